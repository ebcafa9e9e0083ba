"""Handing rewards out: one pipeline through which every issuance passes, its limits, deliveries and records."""
