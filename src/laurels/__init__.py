"""Laurels: a self-hosted rewards engine for loyalty programs."""

__version__ = "0.1.0"
