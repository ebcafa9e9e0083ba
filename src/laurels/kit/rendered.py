"""Response bodies rendered once per row version, kept per process.

A hot read asks the database only for the ids and versions it must answer with
(kit/reads.py), then serves each row from the body rendered for exactly that
version. Every ORM update of a versioned row bumps its version in the same
transaction (SQLAlchemy's ``version_id_col``), and ids are never reused, so a
body cached for ``(id, version)`` is the row as committed at that version: a
read after a committed write, from any worker, sees the write, because it reads
the new version from the database and misses the cache.

Bodies are only cached from committed reads, never from a write path, whose
transaction might still roll back and leave a version number that a later,
different write commits.
"""

from __future__ import annotations

from typing import Generic, NamedTuple, TypeVar

V = TypeVar("V")

# Entries per cache per process; ~1.5 KB each for a reward: ~15 MB at most.
MAX_ENTRIES = 10_000


class Entry(NamedTuple, Generic[V]):
    version: int
    value: V


class VersionCache(Generic[V]):
    """What was rendered for a row, by id, valid for one version only."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: dict[int, Entry[V]] = {}

    def get(self, pk: int, version: int) -> V | None:
        entry = self._entries.get(pk)
        return entry.value if entry is not None and entry.version == version else None

    def put(self, pk: int, version: int, value: V) -> None:
        entries = self._entries
        entries.pop(pk, None)
        if len(entries) >= self.max_entries:
            # Oldest insertion first: dicts keep insertion order.
            del entries[next(iter(entries))]
        entries[pk] = Entry(version, value)

    def __len__(self) -> int:
        return len(self._entries)
