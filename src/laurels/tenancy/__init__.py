"""Orgs (tenants), brands and API keys; authentication of every request."""
