"""Customers: an org's external userId plus the attributes reward eligibility reads."""
