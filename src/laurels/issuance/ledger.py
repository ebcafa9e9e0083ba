"""Customers' points: one balance per customer per org, and the append-only ledger behind it.

Every movement of a balance is one entry: ``credit`` (a points issuance),
``debit`` (a purchase's price), ``adjustment`` (an operator's, signed) and
``reversal`` (a reversed issuance's points). A balance goes up with an upsert of the account and
down with a conditional UPDATE (``balance >= :points``), and the CHECK
``balance >= 0`` backs both: no number is read and written back, and no
balance ever goes below zero. Never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from laurels.customers.models import Customer
from laurels.customers.repository import CustomerRepository
from laurels.customers.service import CustomerCode
from laurels.issuance.models import PointsEntry
from laurels.issuance.repository import IssuanceRepository
from laurels.issuance.rules import IssuanceCode
from laurels.kit.errors import Conflict, InvalidInput, NotFound
from laurels.kit.pagination import decode_cursor, next_cursor
from laurels.kit.validation import integer, require_fields, text

ADJUSTMENT = "points_adjustment"  # the Idempotency-Key scope of adjustments
# An adjustment moves at most this many points either way: a typo of a few digits is refused.
ADJUSTMENT_MAX = 1_000_000_000
REASON_MAX = 500
LATEST_ENTRIES = 20


@dataclass(frozen=True)
class Adjustment:
    adjustment_id: str
    user_id: str
    amount: int
    reason: str
    balance: int
    created_at: datetime


@dataclass(frozen=True)
class Balance:
    customer: Customer
    balance: int
    credited: int  # every entry that added points, summed
    debited: int  # every entry that took points away, summed (positive)
    latest: Sequence[tuple[PointsEntry, str | None]]


def insufficient(balance: int, points: int) -> Conflict:
    return Conflict(
        f"The balance is {balance} points; {points} cannot be taken",
        code=IssuanceCode.INSUFFICIENT_POINTS,
        details={"balance": balance, "required": points},
    )


class LedgerService:
    def __init__(self, session: Session) -> None:
        self.records = IssuanceRepository(session)
        self.customers = CustomerRepository(session)

    def adjust(self, org_id: str, user_id: str, values: Mapping[str, Any], now: datetime) -> Adjustment:
        """An operator's adjustment: positive credits, negative debits (refused where the balance is
        short, with ``INSUFFICIENT_POINTS``). Unlike a grant's, an adjustment's customer must exist:
        a mistyped userId is refused (404), not given points nobody can spend."""
        require_fields(values, ("amount", "reason"))
        amount = integer(
            values["amount"],
            field="amount",
            code=IssuanceCode.INVALID_AMOUNT,
            minimum=-ADJUSTMENT_MAX,
            maximum=ADJUSTMENT_MAX,
        )
        if amount == 0:
            raise InvalidInput("amount must not be 0", code=IssuanceCode.INVALID_AMOUNT, field="amount")
        reason = text(values["reason"], field="reason", code=IssuanceCode.INVALID_REASON, max_length=REASON_MAX)
        customer_pk = self._customer(org_id, user_id).id
        if amount > 0:
            balance = self.records.credit_points(org_id, customer_pk, amount, now)
        else:
            taken = self.records.debit_points(customer_pk, -amount, now)
            if taken is None:
                raise insufficient(self.records.balance(customer_pk), -amount)
            balance = taken
        reference = f"adj_{uuid.uuid4().hex}"
        self.records.add_points_entry(
            org_id,
            customer_pk,
            kind="adjustment",
            amount=amount,
            balance=balance,
            reference=reference,
            reason=reason,
            now=now,
        )
        return Adjustment(reference, user_id, amount, reason, balance, now)

    def balance(self, org_id: str, user_id: str) -> Balance:
        customer = self._customer(org_id, user_id)
        credited, debited = self.records.points_totals(customer.id)
        latest = self.records.points_entries(customer.id, LATEST_ENTRIES)
        return Balance(customer, self.records.balance(customer.id), credited, debited, latest)

    def entries(
        self, org_id: str, user_id: str, *, cursor: str | None, limit: int
    ) -> tuple[Customer, Sequence[tuple[PointsEntry, str | None]], str | None]:
        """A page of the customer's ledger, newest first."""
        customer = self._customer(org_id, user_id)
        rows = self.records.points_entries(customer.id, limit, before=decode_cursor(cursor))
        return customer, rows, next_cursor([entry.id for entry, _ in rows], limit)

    def _customer(self, org_id: str, user_id: str) -> Customer:
        customer = self.customers.get(org_id, user_id)
        if customer is None:
            raise NotFound("Customer not found", code=CustomerCode.CUSTOMER_NOT_FOUND)
        return customer
