"""Reference data CRUD, written once: :class:`ReferenceService` holds what every kind
shares (get, list, create, update, delete, a name or code unique in the org), and
each kind says only which fields it has. Never commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from laurels.kit import validation
from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, InvalidInput, NotFound
from laurels.kit.pagination import decode_cursor, next_cursor
from laurels.kit.validation import fold, require_fields
from laurels.reference.models import (
    CardSeries,
    Category,
    CustomFieldDefinition,
    Label,
    NamedOrgRow,
    OrgRow,
    Vendor,
)
from laurels.reference.repository import ReferenceRepository, Rows
from laurels.reference.schemas import (
    CODE_PATTERN,
    CUSTOM_FIELD_SCOPES,
    CardSeriesCreate,
    CardSeriesOut,
    CardSeriesUpdate,
    CustomFieldCreate,
    CustomFieldOut,
    CustomFieldUpdate,
    NamedCreate,
    NamedOut,
    NamedUpdate,
    RowOut,
)

_CODE = re.compile(CODE_PATTERN)

R = TypeVar("R", bound=OrgRow)
N = TypeVar("N", bound=NamedOrgRow)
T = TypeVar("T")


class ReferenceCode(StrEnum):
    LABEL_NOT_FOUND = "LABEL_NOT_FOUND"
    LABEL_ALREADY_EXISTS = "LABEL_ALREADY_EXISTS"
    CARD_SERIES_NOT_FOUND = "CARD_SERIES_NOT_FOUND"
    CARD_SERIES_ALREADY_EXISTS = "CARD_SERIES_ALREADY_EXISTS"
    CUSTOM_FIELD_NOT_FOUND = "CUSTOM_FIELD_NOT_FOUND"
    CUSTOM_FIELD_ALREADY_EXISTS = "CUSTOM_FIELD_ALREADY_EXISTS"
    LOYALTY_PROGRAM_NOT_FOUND = "LOYALTY_PROGRAM_NOT_FOUND"
    LOYALTY_PROGRAM_ALREADY_EXISTS = "LOYALTY_PROGRAM_ALREADY_EXISTS"
    TIER_NOT_FOUND = "TIER_NOT_FOUND"
    TIER_ALREADY_EXISTS = "TIER_ALREADY_EXISTS"
    PARTNER_PROGRAM_NOT_FOUND = "PARTNER_PROGRAM_NOT_FOUND"
    PARTNER_PROGRAM_ALREADY_EXISTS = "PARTNER_PROGRAM_ALREADY_EXISTS"
    SEGMENT_NOT_FOUND = "SEGMENT_NOT_FOUND"
    SEGMENT_ALREADY_EXISTS = "SEGMENT_ALREADY_EXISTS"
    PARTITION_NOT_FOUND = "PARTITION_NOT_FOUND"
    PARTITION_ALREADY_EXISTS = "PARTITION_ALREADY_EXISTS"
    CATEGORY_NOT_FOUND = "CATEGORY_NOT_FOUND"
    CATEGORY_ALREADY_EXISTS = "CATEGORY_ALREADY_EXISTS"
    VENDOR_NOT_FOUND = "VENDOR_NOT_FOUND"
    VENDOR_ALREADY_EXISTS = "VENDOR_ALREADY_EXISTS"
    COUNTRY_NOT_FOUND = "COUNTRY_NOT_FOUND"
    LABEL_IN_USE = "LABEL_IN_USE"
    CARD_SERIES_IN_USE = "CARD_SERIES_IN_USE"
    CUSTOM_FIELD_IN_USE = "CUSTOM_FIELD_IN_USE"
    LOYALTY_PROGRAM_IN_USE = "LOYALTY_PROGRAM_IN_USE"
    TIER_IN_USE = "TIER_IN_USE"
    PARTNER_PROGRAM_IN_USE = "PARTNER_PROGRAM_IN_USE"
    SEGMENT_IN_USE = "SEGMENT_IN_USE"
    PARTITION_IN_USE = "PARTITION_IN_USE"
    CATEGORY_IN_USE = "CATEGORY_IN_USE"
    VENDOR_IN_USE = "VENDOR_IN_USE"
    INVALID_NAME = "INVALID_NAME"
    INVALID_DESCRIPTION = "INVALID_DESCRIPTION"
    INVALID_CODE = "INVALID_CODE"
    INVALID_SCOPE = "INVALID_SCOPE"
    INVALID_MANDATORY = "INVALID_MANDATORY"
    INVALID_RANK = "INVALID_RANK"
    INVALID_ITEM = "INVALID_ITEM"


def refuse_if_in_use(refs: ReferenceRepository, org_id: str, kind: Kind, key: Any) -> None:
    """What a reward names must exist: refuse to delete it while one does (409 <KIND>_IN_USE).

    The caller must hold the row ``FOR UPDATE`` (PostgreSQL), or a reward naming it could commit after
    this answer and before the delete (see ``rewards.references``)."""
    if key is not None and refs.in_use(org_id, kind.code, key):
        raise Conflict(f"{kind.entity} is used by a reward", code=kind.in_use)


@dataclass(frozen=True)
class Kind:
    """How one kind of reference data is named: in messages, on the wire and in error codes."""

    entity: str  # "Card series": messages ("Card series not found")
    singular: str  # "cardSeries": the key of the create answer
    plural: str  # "cardSeries": the key of the list answer
    path: str  # "/card-series"
    id_param: str  # "cardSeriesId"
    code: str  # "CARD_SERIES": CARD_SERIES_NOT_FOUND, CARD_SERIES_ALREADY_EXISTS
    key_field: str = "name"  # the field unique in its scope, named by a 409

    def __post_init__(self) -> None:
        # Fail at import, not in a request, if a code is not in ReferenceCode (codes are API).
        for suffix in ("NOT_FOUND", "ALREADY_EXISTS", "IN_USE"):
            ReferenceCode(f"{self.code}_{suffix}")

    @property
    def not_found(self) -> ReferenceCode:
        return ReferenceCode(f"{self.code}_NOT_FOUND")

    @property
    def in_use(self) -> ReferenceCode:
        return ReferenceCode(f"{self.code}_IN_USE")

    @property
    def already_exists(self) -> ReferenceCode:
        return ReferenceCode(f"{self.code}_ALREADY_EXISTS")

    def missing(self) -> NotFound:
        return NotFound(f"{self.entity} not found", code=self.not_found)

    def taken(self, field: str | None = None) -> Conflict:
        """The 409 for a name (or code) already used; ``field`` names it in a nested body (tiers[1].name)."""
        return Conflict(
            f"{self.entity} with this {self.key_field} already exists",
            code=self.already_exists,
            field=field or self.key_field,
        )


# ---- field checks (plain Python) --------------------------------------------


def check_name(value: object, field: str = "name") -> str:
    return validation.name(value, code=ReferenceCode.INVALID_NAME, field=field)


def check_code(value: object) -> str:
    if not isinstance(value, str) or not _CODE.match(value):
        raise InvalidInput(
            "code must be 1 to 64 letters, digits, _ - or .", code=ReferenceCode.INVALID_CODE, field="code"
        )
    return value


def flushed(flush: Callable[[], T], conflict: Conflict) -> T:
    """Run ``flush``; a unique constraint it trips (a concurrent write won the race
    after our check) is the 409 the check would have answered."""
    try:
        return flush()
    except IntegrityError:
        raise conflict from None


# ---- the shared CRUD --------------------------------------------------------


class ReferenceService(Generic[R]):
    """CRUD of one kind of top-level reference row. Subclasses set the class
    attributes and :meth:`assign`, and :meth:`key` when the unique key is not the name."""

    kind: ClassVar[Kind]
    model: type[R]
    create_body: ClassVar[type[BaseModel]]
    update_body: ClassVar[type[BaseModel]]
    out: ClassVar[type[RowOut]]
    required: ClassVar[tuple[str, ...]] = ("name",)

    def __init__(self, session: Session) -> None:
        self.rows = Rows(session, self.model)
        self.refs = ReferenceRepository(session)

    # ---- what each kind says ------------------------------------------------

    def assign(self, row: R, values: Mapping[str, Any]) -> None:
        """Check and set the fields present in ``values`` (the body's, or only those given on update)."""
        if "description" in values:
            row.description = validation.description(values["description"], code=ReferenceCode.INVALID_DESCRIPTION)

    def key(self, row: R) -> dict[str, Any]:
        """The columns (and values) unique in the org."""
        raise NotImplementedError

    def render(self, rows: Sequence[R]) -> list[BaseModel]:
        return [self.out.of(row) for row in rows]

    def before_delete(self, row: R) -> None:
        """Delete what belongs to the row (children) before the row itself."""

    def usage_key(self, row: R) -> Any:
        """How rewards name a row of this kind (its id, unless a kind says otherwise)."""
        return row.id

    # ---- CRUD ---------------------------------------------------------------

    def get(self, org_id: str, row_id: int, *, for_update: bool = False) -> R:
        row = self.rows.get(org_id, row_id, for_update=for_update)
        if row is None:
            raise self.kind.missing()
        return row

    def list(self, org_id: str, *, cursor: str | None, limit: int) -> tuple[list[R], str | None]:
        rows = self.rows.page(org_id, after=decode_cursor(cursor), limit=limit)
        return rows, next_cursor([r.id for r in rows], limit)

    def create(self, org_id: str, body: BaseModel) -> R:
        values = body.model_dump()
        require_fields(values, self.required)
        now = utcnow()
        row = self.model()
        row.org_id = org_id
        row.created_at = now
        row.updated_at = now
        self.assign(row, values)
        self._check_key_free(org_id, row)
        return flushed(lambda: self.rows.add(row), self.kind.taken())

    def update(self, org_id: str, row_id: int, body: BaseModel) -> R:
        row = self.get(org_id, row_id, for_update=True)
        values = body.model_dump(include=body.model_fields_set)
        if values:
            named_as = self.usage_key(row)
            self.assign(row, values)
            if named_as is not None and self.usage_key(row) != named_as:
                # Rewards name a card series by its code and a custom field by its name (and scope):
                # changing that is deleting the row they name, so it is refused the same way.
                refuse_if_in_use(self.refs, org_id, self.kind, named_as)
            self._check_key_free(org_id, row)
            row.updated_at = utcnow()
            flushed(self.rows.flush, self.kind.taken())
        return row

    def delete(self, org_id: str, row_id: int) -> None:
        # Locked before the in-use query: a reward write naming the row holds it FOR KEY SHARE until it
        # commits, so this waits and then sees its reference rows (see rewards.references).
        row = self.get(org_id, row_id, for_update=True)
        refuse_if_in_use(self.refs, org_id, self.kind, self.usage_key(row))
        self.before_delete(row)
        self.rows.delete(row)

    def _check_key_free(self, org_id: str, row: R) -> None:
        # No autoflush: the row's own pending values are not in the database yet,
        # so this sees only the other rows (and excludes the row itself by id).
        if self.rows.taken(org_id, self.key(row), other_than=row.id):
            raise self.kind.taken()


class NamedService(ReferenceService[N]):
    """A kind known by its name: labels, categories, vendors, loyalty programs, segments."""

    create_body = NamedCreate
    update_body = NamedUpdate
    out: ClassVar[type[RowOut]] = NamedOut

    def assign(self, row: N, values: Mapping[str, Any]) -> None:
        super().assign(row, values)
        if "name" in values:
            row.name = check_name(values["name"])
            row.name_key = fold(row.name)

    def key(self, row: N) -> dict[str, Any]:
        return {"name_key": row.name_key}


class LabelService(NamedService[Label]):
    kind = Kind("Label", "label", "labels", "/labels", "labelId", "LABEL")
    model = Label


class CategoryService(NamedService[Category]):
    kind = Kind("Category", "category", "categories", "/categories", "categoryId", "CATEGORY")
    model = Category


class VendorService(NamedService[Vendor]):
    kind = Kind("Vendor", "vendor", "vendors", "/vendors", "vendorId", "VENDOR")
    model = Vendor


class CardSeriesService(ReferenceService[CardSeries]):
    kind = Kind(
        "Card series",
        "cardSeries",
        "cardSeries",
        "/card-series",
        "cardSeriesId",
        "CARD_SERIES",
        key_field="code",
    )
    model = CardSeries
    create_body = CardSeriesCreate
    update_body = CardSeriesUpdate
    out = CardSeriesOut
    required = ("code", "name")

    def assign(self, row: CardSeries, values: Mapping[str, Any]) -> None:
        super().assign(row, values)
        if "code" in values:
            row.code = check_code(values["code"])
            row.code_key = fold(row.code)
        if "name" in values:
            row.name = check_name(values["name"])

    def usage_key(self, row: CardSeries) -> Any:
        return row.code

    def key(self, row: CardSeries) -> dict[str, Any]:
        return {"code_key": row.code_key}


class CustomFieldService(ReferenceService[CustomFieldDefinition]):
    kind = Kind("Custom field", "customField", "customFields", "/custom-fields", "customFieldId", "CUSTOM_FIELD")
    model = CustomFieldDefinition
    create_body = CustomFieldCreate
    update_body = CustomFieldUpdate
    out = CustomFieldOut
    required = ("name", "scope")

    def assign(self, row: CustomFieldDefinition, values: Mapping[str, Any]) -> None:
        super().assign(row, values)
        if "name" in values:
            row.name = check_name(values["name"])
            row.name_key = fold(row.name)
        if "scope" in values:
            if values["scope"] not in CUSTOM_FIELD_SCOPES:
                raise InvalidInput("scope must be reward or issuance", code=ReferenceCode.INVALID_SCOPE, field="scope")
            row.scope = values["scope"]
        if "mandatory" in values:
            if not isinstance(values["mandatory"], bool):
                raise InvalidInput(
                    "mandatory must be true or false", code=ReferenceCode.INVALID_MANDATORY, field="mandatory"
                )
            row.mandatory = values["mandatory"]

    def usage_key(self, row: CustomFieldDefinition) -> Any:
        # Rewards name their custom fields; issuance-scope definitions are not theirs.
        return row.name if row.scope == "reward" else None

    def key(self, row: CustomFieldDefinition) -> dict[str, Any]:
        return {"scope": row.scope, "name_key": row.name_key}
