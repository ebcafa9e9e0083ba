"""Request and response bodies of the native code pools API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from laurels.codepools import generation
from laurels.codepools.models import CODE_MAX, CODE_STATUSES, CSV_MAX_MIB, UPLOAD_MAX, CodePool, CouponCode
from laurels.kit.clock import iso_ms
from laurels.kit.validation import NAME_MAX

_DUPLICATES_DOC = (
    "Every code of the upload that was not added, in upload order, once per occurrence: codes already in "
    "the pool, and repeats of a code earlier in the same upload. added + len(duplicates) is the number "
    "of codes uploaded."
)


class CodePoolCreate(BaseModel):
    # name is checked by the service, so a missing one is MISSING_REQUIRED_FIELDS.
    model_config = ConfigDict(json_schema_extra={"required": ["name"]})

    codePoolId: str | None = Field(
        default=None,
        description="Id of your choosing (1 to 64 of A-Z a-z 0-9 _ . : -, not all digits); "
        "generated (pool_<uuid>) when absent. 409 if taken.",
    )
    name: str | None = Field(default=None, max_length=NAME_MAX)
    description: str | None = None


class CodePoolUpdate(BaseModel):
    """Fields left out keep their values; a null description clears it."""

    name: str | None = Field(default=None, max_length=NAME_MAX)
    description: str | None = None


class CodePoolOut(BaseModel):
    codePoolId: str
    seriesId: int = Field(
        description="The pool's integer id: the coupon series id (intouchSeriesId) Capillary-style rewards bind to."
    )
    name: str
    description: str | None
    available: int = Field(description="Codes not yet issued.")
    total: int = Field(description="All codes of the pool, issued or not.")
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, pool: CodePool, counts: tuple[int, int]) -> CodePoolOut:
        available, total = counts
        return cls(
            codePoolId=pool.code_pool_id,
            seriesId=pool.id,
            name=pool.name,
            description=pool.description,
            available=available,
            total=total,
            createdAt=iso_ms(pool.created_at),
            updatedAt=iso_ms(pool.updated_at),
        )


class CodePoolCreated(BaseModel):
    message: str = "Code pool created successfully"
    codePool: CodePoolOut


class CodePoolList(BaseModel):
    codePools: list[CodePoolOut]
    count: int = Field(description="Number of code pools in this page.")
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class CodesAdd(BaseModel):
    model_config = ConfigDict(json_schema_extra={"required": ["codes"]})

    # Items are checked by the service, so that a bad one is named by its index (codes[3]).
    codes: Annotated[
        list[Any] | None,
        WithJsonSchema(
            {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": CODE_MAX},
                "minItems": 1,
                "maxItems": UPLOAD_MAX,
                "description": f"1 to {UPLOAD_MAX:,} codes per request. Surrounding whitespace is stripped; "
                "codes are case-sensitive.",
            }
        ),
    ] = None


class CodesCsv(BaseModel):
    """A multipart/form-data upload."""

    file: UploadFile = Field(
        description=f"UTF-8 CSV (a byte order mark is fine), one code per row in the first column; other columns, "
        f"blank rows and a first row `code` (a header) are ignored. At most {CSV_MAX_MIB} MiB and "
        f"{UPLOAD_MAX} codes."
    )


class CodesGenerate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"required": ["count"]})

    # Absent is MISSING_REQUIRED_FIELDS from the service; the schema says what a client must send.
    count: Annotated[
        int | None,
        Field(ge=1, le=generation.COUNT_MAX),
        WithJsonSchema(
            {
                "type": "integer",
                "minimum": 1,
                "maximum": generation.COUNT_MAX,
                "description": f"How many codes to add, 1 to {generation.COUNT_MAX:,} per request; exactly this "
                "many are added, in one transaction.",
            }
        ),
    ] = None
    prefix: str = Field(
        default="",
        max_length=generation.PREFIX_MAX,
        pattern=generation.PREFIX_PATTERN.pattern,
        description="Put before the random part of every code.",
    )
    length: int = Field(
        default=generation.LENGTH_DEFAULT,
        ge=generation.LENGTH_MIN,
        le=generation.LENGTH_MAX,
        description=f"Symbols in the random part, drawn from {generation.ALPHABET}.",
    )


class CodesAdded(BaseModel):
    added: int = Field(description="Codes added to the pool.")
    duplicates: list[str] = Field(description=_DUPLICATES_DOC)
    available: int = Field(description="The pool's codes not yet issued, after the upload.")
    total: int = Field(description="All the pool's codes, after the upload.")


class CouponCodeOut(BaseModel):
    code: str
    status: str = Field(description=" or ".join(CODE_STATUSES), json_schema_extra={"enum": list(CODE_STATUSES)})
    createdAt: str
    issuedAt: str | None = Field(description="When the code was issued; null while available.")

    @classmethod
    def of(cls, code: CouponCode) -> CouponCodeOut:
        return cls(
            code=code.code,
            status=code.status,
            createdAt=iso_ms(code.created_at),
            issuedAt=iso_ms(code.issued_at) if code.issued_at is not None else None,
        )


class CouponCodeList(BaseModel):
    codes: list[CouponCodeOut]
    count: int = Field(description="Number of codes in this page.")
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
