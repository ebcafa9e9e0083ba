"""Customers: upserted by userId, every attribute checked against the org's reference
data. Never commits."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from laurels.customers.models import EMAIL_MAX, EXTERNAL_ID_MAX, IDENTIFIERS, MOBILE_MAX, Customer
from laurels.customers.repository import CustomerRepository
from laurels.customers.schemas import USER_ID_MAX
from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, InvalidInput, NotFound
from laurels.kit.pagination import decode_cursor, next_cursor
from laurels.kit.validation import text
from laurels.reference.countries import country_by_ref
from laurels.reference.repository import ReferenceRepository
from laurels.reference.service import ReferenceCode

CARD_SERIES_MAX = 64
# A concurrent delete between our insert attempt and our read sends us round again.
UPSERT_ATTEMPTS = 3

T = TypeVar("T")


class CustomerCode(StrEnum):
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
    INVALID_USER_ID = "INVALID_USER_ID"
    INVALID_CUSTOMER = "INVALID_CUSTOMER"
    CUSTOMER_HAS_RECORDS = "CUSTOMER_HAS_RECORDS"
    INVALID_MOBILE = "INVALID_MOBILE"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_EXTERNAL_ID = "INVALID_EXTERNAL_ID"
    IDENTIFIER_TAKEN = "IDENTIFIER_TAKEN"


# ---- shapes (plain Python) ---------------------------------------------------


def _invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code=CustomerCode.INVALID_CUSTOMER, field=field)


def _items(value: list[Any] | None) -> list[Any]:
    return [] if value is None else value  # null empties the field


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ids(value: list[Any] | None, field: str) -> list[int]:
    items = _items(value)
    for i, item in enumerate(items):
        if not _is_id(item):
            raise _invalid(f"{field}[{i}] must be an integer id", f"{field}[{i}]")
    return items


def _codes(value: list[Any] | None, field: str) -> list[str]:
    items = _items(value)
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item or len(item) > CARD_SERIES_MAX:
            raise _invalid(
                f"{field}[{i}] must be a card series code of 1 to {CARD_SERIES_MAX} characters", f"{field}[{i}]"
            )
    return items


@dataclass(frozen=True)
class _PairKind:
    """A list of ``{parent: id, child: id}`` (tiers of programs, partitions of segments), one per parent."""

    field: str
    parent_key: str
    child_key: str
    rule: str
    parent_code: ReferenceCode
    parent_entity: str
    child_code: ReferenceCode
    child_entity: str

    def parse(self, value: list[Any] | None) -> list[tuple[int, int]]:
        pairs: list[tuple[int, int]] = []
        for i, item in enumerate(_items(value)):
            where = f"{self.field}[{i}]"
            if not isinstance(item, dict):
                raise _invalid(f"{where} must be an object with {self.parent_key} and {self.child_key}", where)
            for key in (self.parent_key, self.child_key):
                if not _is_id(item.get(key)):
                    raise _invalid(f"{where}.{key} must be an integer id", f"{where}.{key}")
            if any(parent == item[self.parent_key] for parent, _ in pairs):
                raise _invalid(f"{where}: {self.rule}", f"{where}.{self.parent_key}")
            pairs.append((item[self.parent_key], item[self.child_key]))
        return pairs

    def check(self, pairs: list[tuple[int, int]], missing_parents: Collection[int], parent_of: dict[int, int]) -> None:
        """Refuse the first pair whose parent is not the org's, or whose child is not that parent's."""
        for i, (parent, child) in enumerate(pairs):
            where = f"{self.field}[{i}]"
            if parent in missing_parents:
                message = f"{self.parent_entity} not found: {parent}"
                raise InvalidInput(message, code=self.parent_code, field=f"{where}.{self.parent_key}")
            if parent_of.get(child) != parent:
                message = f"{self.child_entity} {child} not found in {self.parent_entity.lower()} {parent}"
                raise InvalidInput(message, code=self.child_code, field=f"{where}.{self.child_key}")

    def stored(self, pairs: list[tuple[int, int]]) -> list[dict[str, int]]:
        return [{self.parent_key: parent, self.child_key: child} for parent, child in pairs]


_TIERS = _PairKind(
    "tiers",
    "loyaltyProgramId",
    "tierId",
    "at most one tier per loyalty program",
    ReferenceCode.LOYALTY_PROGRAM_NOT_FOUND,
    "Loyalty program",
    ReferenceCode.TIER_NOT_FOUND,
    "Tier",
)
_SEGMENTS = _PairKind(
    "segments",
    "segmentId",
    "partitionId",
    "at most one partition per segment",
    ReferenceCode.SEGMENT_NOT_FOUND,
    "Segment",
    ReferenceCode.PARTITION_NOT_FOUND,
    "Partition",
)


def _unique(values: Sequence[T]) -> list[T]:
    """Repeats dropped, order kept."""
    return list(dict.fromkeys(values))


def _first(values: Sequence[T], wanted: Collection[T]) -> int:
    return next(i for i, v in enumerate(values) if v in wanted)


def _refuse_missing(values: Sequence[Any], missing: Collection[Any], field: str, code: ReferenceCode) -> None:
    """Refuse naming the first value (by position) that is missing, as ``field[i]``."""
    if missing:
        i = _first(values, set(missing))
        entity = code.removesuffix("_NOT_FOUND").replace("_", " ").capitalize()
        raise InvalidInput(f"{entity} not found: {values[i]}", code=code, field=f"{field}[{i}]")


_MOBILE = re.compile(r"^\+?[0-9][0-9 -]{4,24}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def identifier(field: str, value: Any) -> str:
    """A customer identifier as stored: a mobile number's digits (a leading + and spaces or dashes
    dropped), an email address lower-cased, an externalId as given (one line, not blank)."""
    if field == "mobile":
        digits = value.replace(" ", "").replace("-", "").lstrip("+") if isinstance(value, str) else None
        if digits is None or not _MOBILE.match(value) or not 5 <= len(digits) <= MOBILE_MAX:
            raise InvalidInput(
                "mobile must be a phone number of 5 to 20 digits, optionally with a leading +",
                code=CustomerCode.INVALID_MOBILE,
                field="mobile",
            )
        return digits
    if field == "email":
        if not isinstance(value, str) or len(value) > EMAIL_MAX or not _EMAIL.match(value):
            raise InvalidInput("email must be an email address", code=CustomerCode.INVALID_EMAIL, field="email")
        return value.lower()
    return text(value, field="externalId", code=CustomerCode.INVALID_EXTERNAL_ID, max_length=EXTERNAL_ID_MAX)


# ---- the service -------------------------------------------------------------


def _new_row(org_id: str, user_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """A new customer's columns: no attributes but those given."""
    now = utcnow()
    empty: dict[str, Any] = {
        "tiers": [],
        "labels": [],
        "card_series": [],
        "segments": [],
        "partner_programs": [],
        "country_id": None,
        "mobile": None,
        "email": None,
        "external_id": None,
    }
    return {**empty, **changes, "org_id": org_id, "user_id": user_id, "created_at": now, "updated_at": now}


class CustomerService:
    def __init__(self, session: Session) -> None:
        self.repo = CustomerRepository(session)
        self.refs = ReferenceRepository(session)

    def get(self, org_id: str, user_id: str) -> Customer:
        customer = self.repo.get(org_id, user_id)
        if customer is None:
            raise NotFound("Customer not found", code=CustomerCode.CUSTOMER_NOT_FOUND)
        return customer

    def list(self, org_id: str, *, cursor: str | None, limit: int) -> tuple[list[Customer], str | None]:
        customers = self.repo.page(org_id, after=decode_cursor(cursor), limit=limit)
        return customers, next_cursor([c.id for c in customers], limit)

    def delete(self, org_id: str, user_id: str) -> None:
        customer = self.get(org_id, user_id)
        try:
            self.repo.delete(customer)
        except IntegrityError:
            # Issuances, points and entries name the customer: records are kept, so the customer is.
            raise Conflict(
                "Customer has issuances or points on record and cannot be deleted",
                code=CustomerCode.CUSTOMER_HAS_RECORDS,
            ) from None

    def ensure(self, org_id: str, user_id: str) -> Customer:
        """The customer, created with no attributes if unknown: an issuance to a new userId makes one.

        Unlike an upsert it locks nothing, not even when it meets a concurrent first issuance to the
        same userId: issuing reads the customer, it does not change it. A ``FOR UPDATE`` here would
        deadlock on PostgreSQL: an issuance that already holds a limit counter or a stock row takes a
        ``FOR KEY SHARE`` lock on its customer (the foreign keys of the rows it writes), which waits
        for the ``FOR UPDATE``, while this issuance goes on to wait for that counter or stock row.
        """
        customer = self.repo.get(org_id, user_id)
        if customer is not None:
            return customer
        user_id = text(user_id, field="userId", code=CustomerCode.INVALID_USER_ID, max_length=USER_ID_MAX)
        for _ in range(UPSERT_ATTEMPTS):
            pk = self.repo.insert_if_absent(_new_row(org_id, user_id, {}))
            if pk is not None:
                return self.repo.by_pk(pk)
            # A concurrent first issuance to this userId created it (on PostgreSQL the insert
            # waited for its commit): read its row, still without a lock.
            customer = self.repo.get(org_id, user_id)
            if customer is not None:
                return customer
        raise RuntimeError(f"customer {user_id!r} kept appearing and disappearing")  # pragma: no cover

    def ensure_pk(self, org_id: str, user_id: str) -> int:
        """The customer's integer id, created as :meth:`ensure` does if unknown."""
        pk = self.repo.pk_of(org_id, user_id)
        return pk if pk is not None else self.ensure(org_id, user_id).id

    def upsert(self, org_id: str, user_id: str, values: Mapping[str, Any]) -> tuple[Customer, bool]:
        """Create or update the customer; returns it and whether it was created."""
        user_id = text(user_id, field="userId", code=CustomerCode.INVALID_USER_ID, max_length=USER_ID_MAX)
        changes = self._checked(org_id, values)
        self._identifiers_free(org_id, user_id, changes)
        try:
            return self._upsert(org_id, user_id, changes)
        except IntegrityError:
            # Two customers racing for one identifier: the unique index let one have it.
            raise Conflict(
                "Another customer has one of these identifiers", code=CustomerCode.IDENTIFIER_TAKEN
            ) from None

    def _upsert(self, org_id: str, user_id: str, changes: Mapping[str, Any]) -> tuple[Customer, bool]:
        for _ in range(UPSERT_ATTEMPTS):
            customer = self.repo.get_for_update(org_id, user_id)
            if customer is not None:
                if changes:
                    for column, value in changes.items():
                        setattr(customer, column, value)
                    customer.updated_at = utcnow()
                    self.repo.flush()
                return customer, False
            pk = self.repo.insert_if_absent(_new_row(org_id, user_id, changes))
            if pk is not None:
                return self.repo.by_pk(pk), True
            # A concurrent first upsert of this userId committed between our read
            # and our insert: read its row and update that.
        raise RuntimeError(f"customer {user_id!r} kept appearing and disappearing")  # pragma: no cover

    # ---- checks ---------------------------------------------------------------

    def _checked(self, org_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """The columns to set from the fields given, every reference checked to exist in the org."""
        changes: dict[str, Any] = {}
        if "tiers" in values:
            tiers = _TIERS.parse(values.get("tiers"))
            programs, tier_ids = [p for p, _ in tiers], [t for _, t in tiers]
            missing = self.refs.missing_loyalty_programs(org_id, programs)
            _TIERS.check(tiers, missing, self.refs.tier_programs(org_id, tier_ids))
            changes["tiers"] = _TIERS.stored(tiers)
        if "labels" in values:
            labels = _ids(values.get("labels"), "labels")
            _refuse_missing(labels, self.refs.missing_labels(org_id, labels), "labels", ReferenceCode.LABEL_NOT_FOUND)
            changes["labels"] = _unique(labels)
        if "cardSeries" in values:
            codes = _codes(values.get("cardSeries"), "cardSeries")
            _refuse_missing(
                codes, self.refs.missing_card_series(org_id, codes), "cardSeries", ReferenceCode.CARD_SERIES_NOT_FOUND
            )
            changes["card_series"] = _unique(codes)
        if "segments" in values:
            segments = _SEGMENTS.parse(values.get("segments"))
            ids, partitions = [s for s, _ in segments], [p for _, p in segments]
            missing = self.refs.missing_segments(org_id, ids)
            _SEGMENTS.check(segments, missing, self.refs.partition_segments(org_id, partitions))
            changes["segments"] = _SEGMENTS.stored(segments)
        if "partnerPrograms" in values:
            partners = _ids(values.get("partnerPrograms"), "partnerPrograms")
            missing = self.refs.missing_org_partner_programs(org_id, partners)
            _refuse_missing(partners, missing, "partnerPrograms", ReferenceCode.PARTNER_PROGRAM_NOT_FOUND)
            changes["partner_programs"] = _unique(partners)
        if "country" in values:
            changes["country_id"] = self._country(values.get("country"))
        for field, column in IDENTIFIERS.items():
            if field in values:
                given = values.get(field)
                changes[column] = None if given is None else identifier(field, given)
        return changes

    def _identifiers_free(self, org_id: str, user_id: str, changes: Mapping[str, Any]) -> None:
        """Each identifier given names no other customer of the org (the unique indexes back this up)."""
        for field, column in IDENTIFIERS.items():
            value = changes.get(column)
            if value is None:
                continue
            holder = self.repo.by_identifier(org_id, column, value)
            if holder is not None and holder.user_id != user_id:
                raise Conflict(
                    f"Another customer has this {field}",
                    code=CustomerCode.IDENTIFIER_TAKEN,
                    field=field,
                )

    @staticmethod
    def _country(value: Any) -> int | None:
        if value is None:
            return None
        country = country_by_ref(value) if isinstance(value, int | str) else None
        if country is None:
            raise InvalidInput(
                f"Country not found: {value}; give a countryId or an ISO 3166-1 alpha-2 code",
                code=ReferenceCode.COUNTRY_NOT_FOUND,
                field="country",
            )
        return country.country_id
