"""Reward groups (named lists of catalog rewards) and the payout schemes whose rules offer them."""
