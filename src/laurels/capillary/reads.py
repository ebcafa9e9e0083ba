"""Capillary's hot reads, on the event loop (see kit/reads.py and rewards/reads.py):
seed 002's reward by id and seed 001's per-user reward list.

A reward by id is its seed 002 detail, rendered once per version with a hole
for its lifecycle ``state`` (``rewards.reads.Stated``).

A customer's list — which live rewards of the brand this customer may have,
filtered and ordered — is judged with the same ``rewards.offers`` functions the
other customer-facing reads use. What does not depend on the customer is kept
per reward version: its state (what the judgement reads) and its seed 001 view
per asked language, rendered once with holes for the three members that depend
on the clock or the customer (``expired``, ``started``, ``rewardRestrictions``),
and filled once per language and lifecycle. The judged list itself is kept per
(rewards at their versions, the customer's stored profile) while none of those
rewards has limits: both are read fresh every request, so any committed write
to either is seen at once.

One statement per request: the brand's live rewards (ids and versions, the
brand found by name in the same statement), the brand itself (so that an
unknown brand is told from one with nothing live) and, when a userId is given,
the customer's profile. When some of those rewards have limits, what is used of
them (``issuance.usage``: one query for their counters) is read in one worker
thread too, fresh every request. Rewards the cache has not seen at their version are loaded
through the ORM in one worker thread, one query.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from laurels.capillary.envelope import FETCHED, USER_LISTED, status
from laurels.capillary.views import reward_detail, user_reward
from laurels.customers.repository import PROFILE_FIELDS
from laurels.issuance.usage import UsageReader
from laurels.kit.clock import utcnow
from laurels.kit.db import Database
from laurels.kit.errors import NotFound
from laurels.kit.reads import Reads
from laurels.kit.rendered import Template
from laurels.kit.statements import document
from laurels.kit.unit import run_unit_async
from laurels.kit.validation import fold, row_id
from laurels.rewards.eligibility import Profile, Usage
from laurels.rewards.lifecycle import State, state_of
from laurels.rewards.models import Reward
from laurels.rewards.offers import (
    Offer,
    OfferFilters,
    brand_not_found,
    judge,
    matches,
    no_usage,
    order_key,
    profile,
)
from laurels.rewards.reads import RewardVersions, Stated
from laurels.rewards.repository import BY_PK_IN_BRAND, BY_REWARD_ID_IN_BRAND, LIVE_IN_BRAND_NAMED_WITH_PROFILE
from laurels.rewards.state import to_state
from laurels.rewards.vocabulary import RewardCode

# The members of seed 001's reward that change with the clock or the customer.
_HOLES = ("expired", "started", "rewardRestrictions")
_VALID = b'{"isValid":true}'
_LISTED = json.dumps(status(USER_LISTED), separators=(",", ":")).encode()
_NO_FILTERS = OfferFilters()
# Languages kept per reward: a client asking for ever new ones cannot grow the cache without bound.
_MAX_LANGUAGES = 8


@dataclass
class _Offerable:
    """A reward at one version, as the per-user reads need it.

    The row's values are copied out of the (detached) ORM instance once: read per
    request, its instrumented attributes cost more than the judgement.
    """

    reward: Reward
    pk: int
    state: dict[str, Any]
    owner: str
    start_at: datetime | None
    end_at: datetime | None
    order: tuple[int, int, int]
    views: dict[str, Template] = field(default_factory=dict)
    # Its view filled, per language and lifecycle: a live reward's is the same every time.
    filled: dict[tuple[str, State], bytes] = field(default_factory=dict)

    def view(self, language: str | None) -> Template:
        key = (language or "").lower()
        template = self.views.get(key)
        if template is None:
            if len(self.views) >= _MAX_LANGUAGES:
                self.views.clear()
            template = Template(user_reward(Offer(self.reward, self.state, is_valid=True), language), _HOLES)
            self.views[key] = template
        return template

    def shown(self, language: str | None, lifecycle: State) -> bytes:
        """Its seed 001 view as a customer allowed to have it sees it, at ``lifecycle``."""
        key = ((language or "").lower(), lifecycle)
        body = self.filled.get(key)
        if body is None:
            if len(self.filled) >= _MAX_LANGUAGES * len(State):
                self.filled.clear()
            expired = b"true" if lifecycle is State.ENDED else b"false"
            started = b"false" if lifecycle is State.UPCOMING else b"true"
            body = self.filled[key] = self.view(language).fill((expired, started, _VALID))
        return body


def _offerable(reward: Reward) -> _Offerable:
    state = to_state(reward)
    return _Offerable(
        reward, reward.id, state, reward.org_id, reward.start_at, reward.end_at, order_key(state, reward.id)
    )


# The brand's live rewards (id, version) as listed, and the customer's profile as stored: every
# input of the judgement but the usage of limits, which only rewards without limits go without.
_JudgedKey = tuple[str, tuple[tuple[int, int], ...], tuple[Any, ...]]
# Judgements kept per process: a bound, so that many customers' distinct profiles cannot grow it.
_MAX_JUDGED = 1024


class UserRewardReads:
    """Seed 001's ``GET /v1/user/reward/brand/{brandName}``, answered as JSON bytes. One per app."""

    def __init__(self, db: Database, reads: Reads) -> None:
        self.db = db
        self.reads = reads
        self.offerable = RewardVersions(db, _offerable)
        self.judged: dict[_JudgedKey, list[_Offerable]] = {}

    async def page(
        self,
        org_id: str,
        brand_name: str,
        user_id: str | None,
        *,
        language: str | None,
        filters: OfferFilters,
        page: int,
        size: int,
    ) -> bytes:
        now = utcnow()
        name_key = fold(brand_name)
        params = {"org_id": org_id, "name_key": name_key, "now": now, "user_id": user_id or None}
        rows: list[tuple[int, int]] = []
        brand = False
        stored: tuple[Any, ...] = ()  # the customer's profile as stored (its documents as JSON text)
        for row in await self.reads.rows(LIVE_IN_BRAND_NAMED_WITH_PROFILE, params):
            part = row[0]
            if part == 0:
                rows.append((row[1], row[2]))
            elif part == 1:
                brand = True
            else:
                stored = tuple(row[3:])
        if not brand:
            raise brand_not_found(brand_name)
        rows.sort()  # the order the rewards are kept under, whatever order the database gave them in
        offers = await self._judged(org_id, rows, stored, user_id, now)
        if filters != _NO_FILTERS:
            offers = [o for o in offers if matches(o.state, filters)]
        chosen = offers[page * size : (page + 1) * size]
        rendered = [offer.shown(language, state_of(offer.start_at, offer.end_at, now)) for offer in chosen]
        pagination = {"page": page, "size": size, "count": len(chosen), "total": len(offers)}
        return b"".join(
            (
                b'{"status":',
                _LISTED,
                b',"rewards":[',
                b",".join(rendered),
                b'],"pagination":',
                json.dumps(pagination, separators=(",", ":")).encode(),
                b"}",
            )
        )

    async def _judged(
        self, org_id: str, rows: list[tuple[int, int]], stored: tuple[Any, ...], user_id: str | None, now: datetime
    ) -> list[_Offerable]:
        """The live rewards this customer may have, in the list's order.

        Kept per (rewards at their versions, stored profile) while none of them has limits: the
        judgement is then a function of those alone, both read fresh this request, so a write
        committed before it is seen at once. Rewards with limits are judged on what is used of
        them, read every time.
        """
        key: _JudgedKey = (org_id, tuple(rows), stored)
        kept = self.judged.get(key)
        if kept is not None:
            return kept
        candidates = await self.offerable.of(org_id, rows)
        limited = [(o.pk, o.state["restrictions"]) for o in candidates if o.state.get("restrictions")]
        used = await self._usage(org_id, limited, user_id, now) if limited else {}
        customer = _profile(stored)
        offers = sorted(
            (
                o
                for o in candidates
                if judge(o.state, customer, owner_org_id=o.owner, org_id=org_id, usage=used.get(o.pk, no_usage))
            ),
            key=lambda o: o.order,
        )
        if not limited:
            if len(self.judged) >= _MAX_JUDGED:
                self.judged.clear()
            self.judged[key] = offers
        return offers

    async def _usage(
        self, org_id: str, limited: list[tuple[int, Any]], user_id: str | None, now: datetime
    ) -> Mapping[int, Usage]:
        """What the page's limited rewards have used, read in one worker thread: only rewards with
        limits pay for it, and it is read fresh every time (a grant in any worker shows at once)."""
        session = self.db.session(write=False)
        read = functools.partial(UsageReader(session).of, org_id, limited, user_id, now)
        result: Mapping[int, Usage] = await run_unit_async(session, read)
        return result


def _profile(stored: tuple[Any, ...]) -> Profile:
    if not stored:
        return Profile()
    return profile(**dict(zip(PROFILE_FIELDS, (document(v) for v in stored), strict=True)))


def _detail(reward: Reward) -> Stated:
    return Stated.of(reward_detail(reward), reward)


class RewardDetailReads:
    """Seed 002's ``GET /v1/reward/{rewardId}/brand/{brandId}``, answered as JSON bytes. One per app."""

    def __init__(self, db: Database, reads: Reads) -> None:
        self.reads = reads
        self.details = RewardVersions(db, _detail)
        self._status = json.dumps(status(FETCHED), separators=(",", ":")).encode()

    async def one(self, org_id: str, ident: str, brand_id: int) -> bytes:
        """The reward, if it is the org's and the brand's; else 404 (6004), as the unit route answered."""
        pk = row_id(ident)
        if pk is not None:
            rows = await self.reads.rows(BY_PK_IN_BRAND, {"org_id": org_id, "pk": pk, "brand_id": brand_id})
        elif ident.isdigit():
            rows = []
        else:
            params = {"org_id": org_id, "reward_id": ident, "brand_id": brand_id}
            rows = await self.reads.rows(BY_REWARD_ID_IN_BRAND, params)
        details = await self.details.of(org_id, rows)
        if not details:
            raise NotFound("Reward not found", code=RewardCode.REWARD_NOT_FOUND)
        return b'{"status":' + self._status + b',"reward":' + details[0].at(utcnow()) + b"}"
