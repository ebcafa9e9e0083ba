"""The hot reads of seed 004's Rewards API: a reward by id and a page of rewards.

One statement on the event loop selects the ids and versions to answer with
(kit/reads.py); each reward's body comes from the process's cache of bodies
rendered per version (kit/rendered.py). Only rewards whose version the cache
has not seen are loaded through the ORM — in one worker thread, one query —
and rendered by the same ``RewardOut`` every other route answers with, so the
wire shape cannot drift between the two paths.

A reward's body depends on the clock only through its lifecycle ``state``, so
the cache keeps it as a template with that one hole (kit/rendered.py), filled
per request from the cached start and end.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar

from laurels.kit.clock import utcnow
from laurels.kit.db import Database
from laurels.kit.errors import NotFound
from laurels.kit.pagination import decode_cursor, next_cursor
from laurels.kit.reads import Reads
from laurels.kit.rendered import Template, VersionCache
from laurels.kit.unit import run_unit_async
from laurels.kit.validation import row_id
from laurels.rewards import repository, rules
from laurels.rewards.lifecycle import State, state_of
from laurels.rewards.models import Reward
from laurels.rewards.repository import RewardRepository
from laurels.rewards.schemas import RewardOut
from laurels.rewards.vocabulary import RewardCode

V = TypeVar("V")


class Stated(NamedTuple):
    """A rendered reward whose lifecycle ``state`` member is filled per request, from the clock.

    A reward has three possible states, so each filled body is made once, at its state's first
    request, and kept with the template (a page of 50 then joins 50 ready bodies).
    """

    template: Template
    start_at: datetime | None
    end_at: datetime | None
    filled: dict[State, bytes]

    @classmethod
    def of(cls, document: dict[str, Any], reward: Reward) -> Stated:
        return cls(Template(document, ("state",)), reward.start_at, reward.end_at, {})

    def at(self, now: datetime) -> bytes:
        state = state_of(self.start_at, self.end_at, now)
        body = self.filled.get(state)
        if body is None:
            body = self.filled[state] = self.template.fill((b'"' + state.value.encode() + b'"',))
        return body


def render(reward: Reward) -> Stated:
    """Seed 004's reward, as every route answers with it (``RewardOut``)."""
    return Stated.of(RewardOut.of(reward).model_dump(mode="json"), reward)


class RewardVersions(Generic[V]):
    """What ``make`` made of each reward at each version, kept per process (kit/rendered.py).

    Rewards not seen at their version are loaded through the ORM in one worker
    thread, one query, and made then; only committed rows are ever made.
    """

    def __init__(self, db: Database, make: Callable[[Reward], V]) -> None:
        self.db = db
        self.make = make
        self.cache: VersionCache[V] = VersionCache()

    async def of(self, org_id: str, rows: Sequence[tuple[int, int]]) -> list[V]:
        """One value per (id, version) row, in order; a reward deleted since it was listed is left out."""
        found = [self.cache.get(pk, version) for pk, version in rows]
        missing = [pk for (pk, _), value in zip(rows, found, strict=True) if value is None]
        if missing:
            session = self.db.session(write=False)

            def load() -> dict[int, V]:
                return {r.id: self._remember(r) for r in RewardRepository(session).by_pks(org_id, missing)}

            loaded: dict[int, V] = await run_unit_async(session, load)
            found = [value if value is not None else loaded.get(pk) for (pk, _), value in zip(rows, found, strict=True)]
        return [value for value in found if value is not None]

    def _remember(self, reward: Reward) -> V:
        value = self.make(reward)
        self.cache.put(reward.id, reward.version, value)
        return value


class RewardReads:
    """Seed 004's reward reads, answered as JSON bytes. One per app (the cache is per process)."""

    def __init__(self, db: Database, reads: Reads) -> None:
        self.reads = reads
        self.bodies = RewardVersions(db, render)

    async def one(self, org_id: str, ident: str) -> bytes:
        """``{"success": true, "data": <reward>}`` for a rewardId or an integer id; 404 if not the org's."""
        pk = row_id(ident)
        if pk is not None:
            rows = await self.reads.rows(repository.BY_PK, {"org_id": org_id, "pk": pk})
        elif ident.isdigit():
            rows = []  # an integer id no row can have
        else:
            rows = await self.reads.rows(repository.BY_REWARD_ID, {"org_id": org_id, "reward_id": ident})
        bodies = await self._bodies(org_id, rows)
        if not bodies:
            raise NotFound("Reward not found", code=RewardCode.REWARD_NOT_FOUND)
        return b'{"success":true,"data":' + bodies[0] + b"}"

    async def page(
        self, org_id: str, *, status: str | None, reward_type: str | None, cursor: str | None, limit: int
    ) -> bytes:
        """A page of the org's rewards, oldest first, as ``RewardList`` in the envelope."""
        enabled = rules.check_status(status) if status is not None else None
        if reward_type is not None:
            rules.check_reward_type(reward_type)
        after = decode_cursor(cursor)
        params: dict[str, object] = {"org_id": org_id, "limit": limit}
        if enabled is not None:
            params["enabled"] = enabled
        if reward_type is not None:
            params["reward_type"] = reward_type
        if after is not None:
            params["after"] = after
        stmt = repository.page_of(
            by_enabled=enabled is not None, by_type=reward_type is not None, after=after is not None
        )
        rows = await self.reads.rows(stmt, params)
        bodies = await self._bodies(org_id, rows)
        cursor_out = next_cursor([row[0] for row in rows], limit)
        return b"".join(
            (
                b'{"success":true,"data":{"rewards":[',
                b",".join(bodies),
                b'],"count":',
                str(len(bodies)).encode(),
                b',"nextCursor":',
                json.dumps(cursor_out).encode(),
                b"}}",
            )
        )

    async def _bodies(self, org_id: str, rows: Sequence[tuple[int, int]]) -> list[bytes]:
        now = utcnow()
        return [body.at(now) for body in await self.bodies.of(org_id, rows)]
