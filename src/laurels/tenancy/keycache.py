"""Resolved API keys, cached per process for a short time.

Authenticating a request must not cost a database round trip on the hot path.
A presented key is looked up once; the principal it resolves to (for the org
header sent with it) is kept for :data:`DEFAULT_TTL_SECONDS`. The cache is
keyed by a SHA-256 of the credentials, so the secret itself is never kept, and
a wrong secret for a cached key id is simply a miss that the database refuses.

Revocation: the worker that revokes a key forgets it at once
(:meth:`KeyCache.forget_key`); every other worker, and every other process (the
CLI revokes keys), stops accepting it within the TTL. That delay is the one
documented exception to "a read after a committed write sees that write".
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from laurels.tenancy.service import Principal

DEFAULT_TTL_SECONDS = 10.0
# Bounded so a flood of distinct valid credentials cannot grow memory without limit.
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    expires: float


def credentials_digest(authorization: str, org_header: str | None) -> bytes:
    return hashlib.sha256(f"{authorization}\n{org_header or ''}".encode()).digest()


class KeyCache:
    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[bytes, _Entry] = {}
        # Dict reads and writes are atomic in CPython; the lock only guards eviction and forget.
        self._lock = threading.Lock()

    def get(self, digest: bytes) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry.expires <= time.monotonic():
            self._entries.pop(digest, None)
            return None
        return entry.principal

    def put(self, digest: bytes, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[digest] = _Entry(principal, time.monotonic() + self.ttl)

    def forget_key(self, key_id: str) -> None:
        with self._lock:
            for digest in [d for d, e in self._entries.items() if e.principal.key_id == key_id]:
                del self._entries[digest]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _ttl_from_env() -> float:
    try:
        return max(0.0, float(os.environ["LAURELS_KEY_CACHE_TTL"]))
    except (KeyError, ValueError):
        return DEFAULT_TTL_SECONDS


# One per process: every request of this worker shares it.
keys = KeyCache(_ttl_from_env())
