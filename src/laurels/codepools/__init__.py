"""Pools of unique coupon codes that rewards draw from."""
