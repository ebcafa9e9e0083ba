"""Issuing as operations: grant (through the pipeline), idempotency, and the records' reads. Never commits."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from laurels.competitions.models import Competition
from laurels.competitions.repository import CompetitionRepository
from laurels.competitions.service import CompetitionCode
from laurels.customers.repository import CustomerRepository
from laurels.customers.service import CustomerCode
from laurels.issuance.models import CompetitionEntry, IdempotencyRecord, Issuance
from laurels.issuance.pipeline import IssueRequest, Pipeline, Purchase
from laurels.issuance.repository import IssuanceRepository
from laurels.issuance.rules import IssuanceCode
from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, InvalidInput, NotFound
from laurels.kit.pagination import decode_cursor, next_cursor
from laurels.kit.validation import integer, require_fields, text
from laurels.rewards.repository import RewardRepository
from laurels.rewards.vocabulary import PAYMENT_AMOUNTS, PaymentMode

GRANT = "grant"
PURCHASE = "purchase"
PAYOUT = "payout"
KINDS = (GRANT, PURCHASE, PAYOUT)  # how an issuance came about
QUANTITY_MAX = 100  # units of a reward one purchase takes
CASH_REF_MAX = 128
# An Idempotency-Key: what clients send (a UUID, usually), printable ASCII without spaces.
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# An Idempotency-Key is kept at least this long (`laurels idempotency purge` removes older ones).
KEYS_KEPT_HOURS = 24


def user_id_of(values: Mapping[str, Any]) -> str:
    """The request's ``userId``, which must be a string (the pipeline checks what it may be)."""
    user_id = values["userId"]
    if not isinstance(user_id, str):
        raise InvalidInput("userId must be a string", code=IssuanceCode.INVALID_USER_ID, field="userId")
    return user_id


def metadata_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The request's ``metadata``, an object if given (empty if not)."""
    metadata = values.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidInput("metadata must be an object", code=IssuanceCode.INVALID_METADATA, field="metadata")
    return metadata or {}


def request_hash(values: Mapping[str, Any]) -> str:
    """The request a key was first used with, as a digest of its canonical JSON."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


class IssuanceService:
    def __init__(self, session: Session) -> None:
        self.pipeline = Pipeline(session)
        self.records = IssuanceRepository(session)
        self.customers = CustomerRepository(session)
        self.rewards = RewardRepository(session)
        self.competitions = CompetitionRepository(session)

    # ---- grant --------------------------------------------------------------------------

    def grant(self, org_id: str, values: Mapping[str, Any], now: datetime | None = None) -> Issuance:
        """Seed 004's grant: an operator's act, which bypasses the reward's audience but not its
        state, limits or inventory."""
        require_fields(values, ("rewardId", "userId"))
        reward = values["rewardId"]
        ident = str(reward) if isinstance(reward, int) and not isinstance(reward, bool) else reward
        if not isinstance(ident, str):
            raise InvalidInput("rewardId must be a string id or an integer id", field="rewardId")
        request = IssueRequest(
            reward=ident,
            user_id=user_id_of(values),
            source=GRANT,
            campaign_id="manual_grant",
            metadata=metadata_of(values),
        )
        return self.pipeline.issue(org_id, request, now or utcnow())

    def purchase(self, org_id: str, reward: str, values: Mapping[str, Any], now: datetime | None = None) -> Issuance:
        """A customer takes a reward: unlike a grant, everything is enforced — state, the reward's
        audience, every limit, inventory — and the price in the chosen payment mode is paid."""
        require_fields(values, ("userId", "paymentMode"))
        user_id = user_id_of(values)
        modes = [m.value for m in PaymentMode]
        mode = values["paymentMode"]
        if mode not in modes:
            raise InvalidInput(
                f"paymentMode must be one of: {', '.join(modes)}",
                code=IssuanceCode.INVALID_PAYMENT_MODE,
                field="paymentMode",
            )
        quantity = values.get("quantity")
        quantity = (
            1
            if quantity is None
            else integer(
                quantity, field="quantity", code=IssuanceCode.INVALID_QUANTITY, minimum=1, maximum=QUANTITY_MAX
            )
        )
        cash_ref = values.get("cashPaymentRef")
        if "cash" in PAYMENT_AMOUNTS[PaymentMode(mode)] or cash_ref is not None:
            cash_ref = text(
                cash_ref, field="cashPaymentRef", code=IssuanceCode.INVALID_CASH_PAYMENT_REF, max_length=CASH_REF_MAX
            )
        request = IssueRequest(
            reward=reward,
            user_id=user_id,
            source=PURCHASE,
            metadata=metadata_of(values),
            quantity=quantity,
            purchase=Purchase(payment_mode=mode, cash_ref=cash_ref),
        )
        return self.pipeline.issue(org_id, request, now or utcnow())

    # ---- idempotency --------------------------------------------------------------------

    def replay(self, org_id: str, scope: str, key: str, values: Mapping[str, Any]) -> IdempotencyRecord | None:
        """Claim ``key`` for this request, or return the answer of the request that claimed it first.

        The claim is part of this request's transaction: if the request is refused and rolls back,
        the key is free again and a retry runs anew (nothing was issued to replay).
        """
        if not _KEY.match(key):
            raise InvalidInput(
                "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces",
                code=IssuanceCode.INVALID_IDEMPOTENCY_KEY,
                field="Idempotency-Key",
            )
        digest = request_hash(values)
        first = self.records.claim_key(org_id, scope, key, digest, utcnow())
        if first is not None and first.request_hash != digest:
            raise Conflict(
                "This Idempotency-Key was used with a different request",
                code=IssuanceCode.IDEMPOTENCY_KEY_REUSED,
                field="Idempotency-Key",
            )
        return first

    def remember(self, org_id: str, scope: str, key: str, status: int, body: str) -> None:
        self.records.remember(org_id, scope, key, status, body)

    def purge_idempotency_keys(self, older_than: timedelta, now: datetime) -> tuple[int, datetime]:
        """Forget the keys of every org first used before ``now - older_than``; how many, and that moment."""
        if older_than < timedelta(hours=KEYS_KEPT_HOURS):
            raise InvalidInput(
                f"Idempotency-Keys are kept at least {KEYS_KEPT_HOURS} hours",
                code=IssuanceCode.INVALID_RETENTION,
                field="older_than_hours",
            )
        before = now - older_than
        return self.records.purge_keys(before), before

    # ---- records ------------------------------------------------------------------------

    def issuance(self, org_id: str, transaction_id: str) -> Issuance:
        found = self.records.issuance(org_id, transaction_id)
        if found is None:
            raise NotFound("Issuance not found", code=IssuanceCode.ISSUANCE_NOT_FOUND)
        return found

    def issuances(
        self,
        org_id: str,
        *,
        cursor: str | None,
        limit: int,
        user_id: str | None = None,
        reward: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[list[Issuance], str | None]:
        """Newest first. A filter naming a customer or reward the org does not have matches nothing."""
        if kind is not None and kind not in KINDS:
            raise InvalidInput(
                f"kind must be one of: {', '.join(KINDS)}", code=IssuanceCode.INVALID_FILTER, field="kind"
            )
        customer_pk = reward_pk = None
        if user_id is not None:
            customer = self.customers.get(org_id, user_id)
            if customer is None:
                return [], None
            customer_pk = customer.id
        if reward is not None:
            found = self.rewards.resolve(org_id, reward)
            if found is None:
                return [], None
            reward_pk = found.id
        before = decode_cursor(cursor)
        rows = self.records.issuances(
            org_id,
            before=before,
            limit=limit,
            customer_pk=customer_pk,
            reward_pk=reward_pk,
            source=kind,
            since=since,
            until=until,
        )
        return rows, next_cursor([r.id for r in rows], limit)

    def customer_rewards(
        self, org_id: str, user_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[Issuance], str | None]:
        """Every issuance to the customer, newest first; 404 for a customer the org does not have."""
        customer = self.customers.get(org_id, user_id)
        if customer is None:
            raise NotFound("Customer not found", code=CustomerCode.CUSTOMER_NOT_FOUND)
        rows = self.records.issuances(org_id, before=decode_cursor(cursor), limit=limit, customer_pk=customer.id)
        return rows, next_cursor([r.id for r in rows], limit)

    def competition_entries(
        self, org_id: str, competition_id: str, *, cursor: str | None, limit: int
    ) -> tuple[Competition, list[CompetitionEntry], str | None]:
        competition = self.competitions.get(org_id, competition_id)
        if competition is None:
            raise NotFound("Competition not found", code=CompetitionCode.COMPETITION_NOT_FOUND)
        rows = self.records.competition_entries(competition.id, after=decode_cursor(cursor), limit=limit)
        return competition, rows, next_cursor([r.id for r in rows], limit)
