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

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

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


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Template:
    """A JSON object rendered once, with the values of some members (its holes) filled per request.

    The members keep their order: ``Template({"a": 1, "b": None, "c": 2}, ["b"]).fill([b"true"])``
    is ``{"a":1,"b":true,"c":2}``.
    """

    __slots__ = ("holes", "pieces")

    def __init__(self, document: Mapping[str, Any], holes: Collection[str]) -> None:
        self.holes: list[str] = []
        pieces: list[bytes] = []
        current = "{"
        for position, (key, value) in enumerate(document.items()):
            current += ("," if position else "") + _json(key) + ":"
            if key in holes:
                pieces.append(current.encode())
                self.holes.append(key)
                current = ""
            else:
                current += _json(value)
        pieces.append((current + "}").encode())
        self.pieces = pieces

    def fill(self, values: Sequence[bytes]) -> bytes:
        """The object with each hole's value, JSON already, in the order of ``holes``."""
        out = [self.pieces[0]]
        for value, piece in zip(values, self.pieces[1:], strict=True):
            out.append(value)
            out.append(piece)
        return b"".join(out)
