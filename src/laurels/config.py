"""Runtime settings, read from the environment."""

from __future__ import annotations

import os

DEFAULT_DATABASE_URL = "sqlite:///laurels.db"


def database_url() -> str:
    """The database Laurels talks to: ``LAURELS_DATABASE_URL`` or the embedded SQLite file."""
    return normalize_url(os.environ.get("LAURELS_DATABASE_URL") or DEFAULT_DATABASE_URL)


def normalize_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver, the only one Laurels ships."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
