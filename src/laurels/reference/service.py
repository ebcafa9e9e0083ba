"""Reference data CRUD, written once: :class:`ReferenceService` holds what every kind
shares (get, list, create, update, delete, a name or code unique in the org), and
each kind says only which fields it has. Never commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from sqlalchemy.orm import Session

from laurels.kit import validation
from laurels.kit.crud import CrudService, Kind
from laurels.kit.errors import InvalidInput
from laurels.kit.validation import fold
from laurels.reference.models import (
    CardSeries,
    Category,
    CustomFieldDefinition,
    Label,
    NamedOrgRow,
    OrgRow,
    Vendor,
)
from laurels.reference.repository import ReferenceRepository
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
        raise kind.used()


# ---- field checks (plain Python) --------------------------------------------


def check_name(value: object, field: str = "name") -> str:
    return validation.name(value, code=ReferenceCode.INVALID_NAME, field=field)


def check_code(value: object) -> str:
    if not isinstance(value, str) or not _CODE.match(value):
        raise InvalidInput(
            "code must be 1 to 64 letters, digits, _ - or .", code=ReferenceCode.INVALID_CODE, field="code"
        )
    return value


# ---- the shared CRUD --------------------------------------------------------


class ReferenceService(CrudService[R]):
    """CRUD of one kind of top-level reference row (kit.crud), plus what rewards name:
    a row rewards name cannot be deleted, nor renamed where they name it by its name."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.refs = ReferenceRepository(session)

    def assign(self, row: R, values: Mapping[str, Any]) -> None:
        if "description" in values:
            row.description = validation.description(values["description"], code=ReferenceCode.INVALID_DESCRIPTION)

    def usage_key(self, row: R) -> Any:
        """How rewards name a row of this kind (its id, unless a kind says otherwise)."""
        return row.id

    def before_change(self, row: R) -> Any:
        return self.usage_key(row)

    def check_change(self, org_id: str, before: Any, row: R) -> None:
        if before is not None and self.usage_key(row) != before:
            # Rewards name a card series by its code and a custom field by its name (and scope):
            # changing that is deleting the row they name, so it is refused the same way.
            refuse_if_in_use(self.refs, org_id, self.kind, before)

    def refuse_delete(self, org_id: str, row: R) -> None:
        # The row is locked: a reward write naming it holds it FOR KEY SHARE until it commits,
        # so this waited and now sees its reference rows (see rewards.references).
        refuse_if_in_use(self.refs, org_id, self.kind, self.usage_key(row))


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
    kind = Kind(
        entity="Label",
        singular="label",
        plural="labels",
        path="/labels",
        id_param="labelId",
        code="LABEL",
        codes=ReferenceCode,
    )
    model = Label


class CategoryService(NamedService[Category]):
    kind = Kind(
        entity="Category",
        singular="category",
        plural="categories",
        path="/categories",
        id_param="categoryId",
        code="CATEGORY",
        codes=ReferenceCode,
    )
    model = Category


class VendorService(NamedService[Vendor]):
    kind = Kind(
        entity="Vendor",
        singular="vendor",
        plural="vendors",
        path="/vendors",
        id_param="vendorId",
        code="VENDOR",
        codes=ReferenceCode,
    )
    model = Vendor


class CardSeriesService(ReferenceService[CardSeries]):
    kind = Kind(
        entity="Card series",
        singular="cardSeries",
        plural="cardSeries",
        path="/card-series",
        id_param="cardSeriesId",
        code="CARD_SERIES",
        codes=ReferenceCode,
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
    kind = Kind(
        entity="Custom field",
        singular="customField",
        plural="customFields",
        path="/custom-fields",
        id_param="customFieldId",
        code="CUSTOM_FIELD",
        codes=ReferenceCode,
    )
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
