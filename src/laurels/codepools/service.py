"""Code pools and their coupon codes. Never commits: the caller's unit of work does."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from laurels.codepools import generation
from laurels.codepools.models import (
    CODE_MAX,
    CODE_STATUSES,
    CSV_MAX_BYTES,
    CSV_MAX_MIB,
    UPLOAD_MAX,
    CodePool,
    CouponCode,
)
from laurels.codepools.repository import CodePoolRepository
from laurels.kit import validation
from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, InvalidInput, found
from laurels.kit.pagination import decode_cursor, next_cursor
from laurels.kit.validation import public_id, require_fields

CSV_HEADER = "code"
# With HEADROOM-fold spare room a round of generation leaves about a tenth of
# its codes to redraw; this many rounds not sufficing means a full code space.
GENERATE_ROUNDS = 32


class CodePoolCode(StrEnum):
    CODE_POOL_NOT_FOUND = "CODE_POOL_NOT_FOUND"
    CODE_POOL_ALREADY_EXISTS = "CODE_POOL_ALREADY_EXISTS"
    CODE_POOL_IN_USE = "CODE_POOL_IN_USE"
    INVALID_CODE_POOL_ID = "INVALID_CODE_POOL_ID"
    INVALID_NAME = "INVALID_NAME"
    INVALID_DESCRIPTION = "INVALID_DESCRIPTION"
    INVALID_CODES = "INVALID_CODES"
    INVALID_CODE = "INVALID_CODE"
    INVALID_CSV = "INVALID_CSV"
    CODE_SPACE_TOO_SMALL = "CODE_SPACE_TOO_SMALL"
    INVALID_STATUS = "INVALID_STATUS"


@dataclass(frozen=True)
class CodePoolPage:
    pools: list[CodePool]
    counts: dict[int, tuple[int, int]]
    next_cursor: str | None


@dataclass(frozen=True)
class CodePage:
    codes: list[CouponCode]
    next_cursor: str | None


@dataclass(frozen=True)
class CodeUpload:
    """What an upload did: see :meth:`CodePoolService.add_codes`."""

    added: int
    duplicates: list[str]
    available: int
    total: int


# ---- code checks (plain Python) --------------------------------------------

# Where a code came from, for the error naming it: (message label, error field).
Locate = Callable[[int], tuple[str, str]]


def _json_location(index: int) -> tuple[str, str]:
    return f"codes[{index}]", f"codes[{index}]"


def clean_code(value: object, label: str, field: str) -> str:
    """The code with surrounding whitespace stripped; refuses blanks, overlong codes and control characters."""
    code = value.strip() if isinstance(value, str) else ""
    if not code or len(code) > CODE_MAX or any(unicodedata.category(ch) == "Cc" for ch in code):
        raise InvalidInput(
            f"{label} must be a non-empty string of at most {CODE_MAX} characters, without control characters",
            code=CodePoolCode.INVALID_CODE,
            field=field,
        )
    return code


def clean_codes(values: Sequence[object], locate: Locate, *, field: str, what: str) -> list[str]:
    """Every code cleaned, in order; refuses an upload of none or of more than ``UPLOAD_MAX``."""
    if not 1 <= len(values) <= UPLOAD_MAX:
        raise InvalidInput(
            f"{what} must list 1 to {UPLOAD_MAX} codes",
            code=CodePoolCode.INVALID_CODES,
            field=field,
        )
    return [clean_code(value, *locate(i)) for i, value in enumerate(values)]


def parse_csv(content: bytes) -> list[tuple[int, str]]:
    """The first cell of every non-blank row, with its line number.

    The file is UTF-8 (a byte order mark is tolerated). Rows whose cells are
    all blank are skipped, and so is the first non-blank row when its first
    cell is ``code`` (any case): a header. Other columns are ignored.
    """
    if len(content) > CSV_MAX_BYTES:
        raise InvalidInput(
            f"The CSV file is larger than {CSV_MAX_MIB} MiB",
            code=CodePoolCode.INVALID_CSV,
            field="file",
        )
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The CSV file must be UTF-8 text", code=CodePoolCode.INVALID_CSV, field="file") from None
    reader = csv.reader(io.StringIO(decoded, newline=""))
    cells: list[tuple[int, str]] = []
    first = True
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if first and row[0].strip().lower() == CSV_HEADER:
                first = False
                continue
            first = False
            cells.append((reader.line_num, row[0]))
            if len(cells) > UPLOAD_MAX:
                break  # enough to refuse the upload; read no further
    except csv.Error as exc:
        raise InvalidInput(
            f"The CSV file is malformed at line {reader.line_num}: {exc}", code=CodePoolCode.INVALID_CSV, field="file"
        ) from None
    return cells


def _check_status(value: str | None) -> str | None:
    if value is not None and value not in CODE_STATUSES:
        raise InvalidInput(
            "status must be one of: " + ", ".join(CODE_STATUSES), code=CodePoolCode.INVALID_STATUS, field="status"
        )
    return value


class CodePoolService:
    def __init__(self, session: Session) -> None:
        self.pools = CodePoolRepository(session)

    # ---- reads ----------------------------------------------------------

    def get(self, org_id: str, code_pool_id: str) -> CodePool:
        return self._found(self.pools.get(org_id, code_pool_id))

    def counts(self, pool: CodePool) -> tuple[int, int]:
        """(available, total) codes of the pool."""
        return self.pools.counts([pool.id])[pool.id]

    def list(self, org_id: str, *, cursor: str | None, limit: int) -> CodePoolPage:
        pools = self.pools.page(org_id, after=decode_cursor(cursor), limit=limit)
        pks = [p.id for p in pools]
        return CodePoolPage(pools, self.pools.counts(pks), next_cursor(pks, limit))

    def list_codes(
        self, org_id: str, code_pool_id: str, *, status: str | None, cursor: str | None, limit: int
    ) -> CodePage:
        status = _check_status(status)
        after = decode_cursor(cursor)
        pool = self.get(org_id, code_pool_id)
        codes = self.pools.page_codes(pool.id, status=status, after=after, limit=limit)
        return CodePage(codes, next_cursor([c.id for c in codes], limit))

    # ---- pool writes ----------------------------------------------------

    def create(self, org_id: str, values: Mapping[str, Any]) -> CodePool:
        require_fields(values, ("name",))
        code_pool_id = public_id(
            values.get("codePoolId"), prefix="pool", field="codePoolId", code=CodePoolCode.INVALID_CODE_POOL_ID
        )
        if values.get("codePoolId") is not None and self.pools.exists(org_id, code_pool_id):
            raise self._already_exists()
        now = utcnow()
        pool = CodePool(
            org_id=org_id,
            code_pool_id=code_pool_id,
            name=validation.name(values.get("name"), code=CodePoolCode.INVALID_NAME),
            description=validation.description(values.get("description"), code=CodePoolCode.INVALID_DESCRIPTION),
            created_at=now,
            updated_at=now,
        )
        try:
            return self.pools.add(pool)
        except IntegrityError:
            # Lost a race with a concurrent create of the same codePoolId.
            raise self._already_exists() from None

    def update(self, org_id: str, code_pool_id: str, values: Mapping[str, Any]) -> CodePool:
        pool = self.get(org_id, code_pool_id)
        if "name" in values:
            pool.name = validation.name(values.get("name"), code=CodePoolCode.INVALID_NAME)
        if "description" in values:
            pool.description = validation.description(values.get("description"), code=CodePoolCode.INVALID_DESCRIPTION)
        if values:
            pool.updated_at = utcnow()
            self.pools.flush()
        return pool

    def delete(self, org_id: str, code_pool_id: str) -> None:
        """Delete the pool and its codes; refused while a reward draws from it."""
        pool = self._found(self.pools.get_for_update(org_id, code_pool_id))
        try:
            self.pools.delete_codes(pool.id)
            self.pools.delete(pool)
        except IntegrityError:
            # A reward's foreign key to the pool (ON DELETE RESTRICT) refused the delete;
            # the codes' delete goes back with the rest of the transaction.
            raise self._in_use() from None

    # ---- code writes ----------------------------------------------------

    def add_codes(self, org_id: str, code_pool_id: str, values: Mapping[str, Any]) -> CodeUpload:
        """Add the codes of a JSON upload.

        Codes are stripped of surrounding whitespace and compared exactly
        (case matters). A code is added once; every other occurrence of it in
        the upload, and every code the pool already holds, is reported in
        ``duplicates`` once per occurrence, in upload order, so that ``added +
        len(duplicates)`` is the number of codes sent.
        """
        require_fields(values, ("codes",))
        codes = clean_codes(values.get("codes") or [], _json_location, field="codes", what="codes")
        return self._upload(self._locked(org_id, code_pool_id), codes)

    def add_csv(self, org_id: str, code_pool_id: str, content: bytes) -> CodeUpload:
        """Add the codes of a CSV file (see :func:`parse_csv`), with the rules of :meth:`add_codes`."""
        cells = parse_csv(content)

        def locate(index: int) -> tuple[str, str]:
            return f"The code on line {cells[index][0]} of the CSV file", "file"

        codes = clean_codes([cell for _, cell in cells], locate, field="file", what="The CSV file")
        return self._upload(self._locked(org_id, code_pool_id), codes)

    def generate(self, org_id: str, code_pool_id: str, values: Mapping[str, Any]) -> CodeUpload:
        """Add exactly ``count`` new random codes (see :mod:`laurels.codepools.generation`).

        Refused up front when the code space is not at least ``HEADROOM`` times
        the pool's codes after generation. A code that turns out to be in the
        pool already is replaced by a fresh draw until ``count`` are added.

        All or nothing, in the request's one transaction, which is why
        ``count`` is capped per request (``generation.COUNT_MAX``): the cap
        bounds how long the transaction keeps other writers waiting (on
        SQLite, every other writer). At the cap that is about a second, with
        the set-based insert of :meth:`CodePoolRepository.insert_codes`.
        """
        require_fields(values, ("count",))
        count = values.get("count") or 0
        length, prefix = values["length"], values["prefix"]
        pool = self._locked(org_id, code_pool_id)
        _, total = self.counts(pool)
        if not generation.space_suffices(count, total, length):
            raise InvalidInput(
                f"{count} more codes of {length} random characters would not leave room to spare "
                f"beside the pool's {total}: use a longer length",
                code=CodePoolCode.CODE_SPACE_TOO_SMALL,
                field="length",
            )
        now = utcnow()
        drawn: set[str] = set()
        added = 0
        for _ in range(GENERATE_ROUNDS):
            # Whatever insert_codes skips was in the pool already (or was just
            # added by a concurrent upload): draw that many again.
            try:
                batch = generation.generate_codes(count - added, prefix=prefix, length=length, taken=drawn)
            except ValueError:
                break
            drawn.update(batch)
            added += len(self.pools.insert_codes(pool.id, batch, now))
            if added == count:
                available, total = self.counts(pool)
                return CodeUpload(added=added, duplicates=[], available=available, total=total)
        raise InvalidInput(
            f"Could not find {count} free codes of {length} random characters: use a longer length",
            code=CodePoolCode.CODE_SPACE_TOO_SMALL,
            field="length",
        )

    # ---- helpers --------------------------------------------------------

    def _upload(self, pool: CodePool, codes: Sequence[str]) -> CodeUpload:
        # Whatever insert_codes does not return was not added: the pool held
        # it already (or a concurrent upload got there first), a duplicate.
        inserted = self.pools.insert_codes(pool.id, list(dict.fromkeys(codes)), utcnow())
        credited: set[str] = set()
        duplicates: list[str] = []
        for code in codes:
            if code in inserted and code not in credited:
                credited.add(code)
            else:
                duplicates.append(code)
        available, total = self.counts(pool)
        return CodeUpload(added=len(inserted), duplicates=duplicates, available=available, total=total)

    def _locked(self, org_id: str, code_pool_id: str) -> CodePool:
        return self._found(self.pools.get_locked(org_id, code_pool_id))

    @staticmethod
    def _found(pool: CodePool | None) -> CodePool:
        return found(pool, "Code pool not found", CodePoolCode.CODE_POOL_NOT_FOUND)

    @staticmethod
    def _already_exists() -> Conflict:
        return Conflict(
            "Code pool with this ID already exists", code=CodePoolCode.CODE_POOL_ALREADY_EXISTS, field="codePoolId"
        )

    @staticmethod
    def _in_use() -> Conflict:
        return Conflict(
            "Code pool is used by a reward; delete or change the reward first", code=CodePoolCode.CODE_POOL_IN_USE
        )
