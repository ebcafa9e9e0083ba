"""Issuing rewards to customers: the limits an issuance must stay within."""
