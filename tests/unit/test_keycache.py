"""The per-process API key cache: hits within the TTL, misses after it, forgets a revoked key at once."""

from __future__ import annotations

from laurels.tenancy.keycache import KeyCache, credentials_digest
from laurels.tenancy.service import Principal

ALICE = Principal(key_id="lk_a", key_org_id="o1", org_id="o1", scopes=frozenset({"rewards:read"}))
BOB = Principal(key_id="lk_b", key_org_id="o1", org_id="o1", scopes=frozenset())


def test_a_cached_key_is_served_until_its_ttl() -> None:
    cache = KeyCache(ttl=60)
    digest = credentials_digest("Bearer lk_a.secret", None)
    assert cache.get(digest) is None
    cache.put(digest, ALICE)
    assert cache.get(digest) is ALICE
    assert cache.get(credentials_digest("Bearer lk_a.wrong", None)) is None
    assert cache.get(credentials_digest("Bearer lk_a.secret", "o2")) is None


def test_an_expired_entry_is_a_miss() -> None:
    cache = KeyCache(ttl=0)
    digest = credentials_digest("Bearer lk_a.secret", None)
    cache.put(digest, ALICE)
    assert cache.get(digest) is None


def test_forgetting_a_key_drops_every_entry_of_it_and_only_those() -> None:
    cache = KeyCache(ttl=60)
    a1, a2, b = (
        credentials_digest(f"Bearer {k}", h) for k, h in (("lk_a.s", None), ("lk_a.s", "o1"), ("lk_b.s", None))
    )
    cache.put(a1, ALICE)
    cache.put(a2, ALICE)
    cache.put(b, BOB)
    cache.forget_key("lk_a")
    assert (cache.get(a1), cache.get(a2), cache.get(b)) == (None, None, BOB)
