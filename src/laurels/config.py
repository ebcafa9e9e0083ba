"""Runtime settings, read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

DATABASE_FILE = "laurels.db"
# Connections per process (and worker threads; see pool_size).
DEFAULT_POOL_SIZE = 20
DEFAULT_READ_POOL_SIZE = 8


class DataDirUnknown(RuntimeError):
    """No variable names the data directory and the user has no home directory."""


def data_dir() -> Path:
    """Where the embedded SQLite database lives by default: one directory per user.

    ``LAURELS_DATA_DIR``, else ``$XDG_DATA_HOME/laurels``, else
    ``~/.local/share/laurels``. A per-user directory, not the working directory,
    so ``laurels org create`` run from anywhere reaches the database the server
    started on instead of creating an empty one beside the caller.
    """
    explicit = os.environ.get("LAURELS_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME")
    # The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "laurels"
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no passwd entry, e.g. a container run under an arbitrary uid
        raise DataDirUnknown(
            "cannot tell where the database lives: there is no home directory; "
            "set LAURELS_DATA_DIR or LAURELS_DATABASE_URL"
        ) from None
    return home / ".local" / "share" / "laurels"


def default_database_path() -> Path:
    return data_dir() / DATABASE_FILE


def database_url() -> str:
    """The database Laurels talks to: ``LAURELS_DATABASE_URL``, or ``laurels.db`` in :func:`data_dir`."""
    explicit = os.environ.get("LAURELS_DATABASE_URL")
    if explicit:
        return normalize_url(explicit)
    return f"sqlite:///{default_database_path()}"


def pool_size() -> int:
    """Database connections per server process, and worker threads (``LAURELS_DB_POOL_SIZE``, default 20).

    Each request's database work runs in one worker thread holding one connection,
    so the two are sized together (kit/unit.py); PostgreSQL must allow
    workers x pool size connections.
    """
    raw = os.environ.get("LAURELS_DB_POOL_SIZE", "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_POOL_SIZE


def read_pool_size() -> int:
    """PostgreSQL connections per server process for the hot reads on the event loop
    (``LAURELS_DB_READ_POOL_SIZE``, default 8; kit/reads.py). SQLite reads use one connection per loop."""
    raw = os.environ.get("LAURELS_DB_READ_POOL_SIZE", "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_READ_POOL_SIZE


def normalize_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver, the only one Laurels ships."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sqlite_path(url: str) -> Path | None:
    """The absolute path of a SQLite database file, or None (another database, or SQLite in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    # pysqlite opens a relative path against the working directory (and does not
    # expand "~"); resolving here names the very file it opens.
    return Path(database).resolve()


def database_location(url: str) -> str:
    """Where the data is, for people: the SQLite file's absolute path, or the URL with its password hidden."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


def cors_origins() -> list[str]:
    """Origins a browser may call the API from: ``LAURELS_CORS_ORIGINS``, comma-separated, or ``*``.

    Unset or empty means no CORS headers at all, the safe default for an API
    that browsers of other sites should not reach unless the operator says so.
    """
    raw = os.environ.get("LAURELS_CORS_ORIGINS", "")
    # A browser's Origin never ends in "/", so "https://app.example.com/" would match nothing.
    origins = [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]
    # Starlette allows every origin when "*" is anywhere in the list; collapse to it so that is visible.
    return ["*"] if "*" in origins else origins
