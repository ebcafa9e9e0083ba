"""One way to write an org-scoped CRUD domain.

A :class:`Kind` says how a kind of row is named (in messages, on the wire, in
error codes); a :class:`CrudService` subclass says how its fields are checked
(:meth:`CrudService.assign`) and what is unique (:meth:`CrudService.key`);
:func:`add_crud_routes` serves the five routes — list, create, get, update,
delete — from the two. Products, competitions and every kind of reference data
are written this way; a new one is a model, its wire schemas, a service of a
dozen lines and one call (docs/architecture.md, "Adding a domain").

Rows are addressed either by a public string id of the client's choosing
(``Kind.id_prefix`` set: ``productId``, generated ``prod_<uuid>`` when absent)
or by their integer primary key (reference data).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Generic, Protocol, TypeVar

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, create_model
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from laurels.kit import schema as js
from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, NotFound
from laurels.kit.http import DbSession, Envelope, Message, RowIdPath, error_responses, ok
from laurels.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decode_cursor, next_cursor
from laurels.kit.repository import OrgScopedRepository
from laurels.kit.validation import public_id, require_fields

T = TypeVar("T")
M = TypeVar("M")


@dataclass(frozen=True, kw_only=True)
class Kind:
    """How one kind of row is named: in messages, on the wire and in error codes."""

    entity: str  # "Card series": messages ("Card series not found")
    singular: str  # "cardSeries": the key of the create answer
    plural: str  # "cardSeries": the key of the list answer
    path: str  # "/card-series"
    id_param: str  # "cardSeriesId"
    code: str  # "CARD_SERIES": CARD_SERIES_NOT_FOUND, CARD_SERIES_ALREADY_EXISTS, CARD_SERIES_IN_USE
    codes: type[StrEnum]  # the domain's code enum, which holds those three
    key_field: str | None = "name"  # the field unique in its scope, named by a 409; None: only the id is
    unique: str | None = None  # for the docs: "SKU unique in the org"; default from key_field
    used_by: str = "a reward names it"  # for the docs: when a delete is refused
    id_prefix: str | None = None  # public string ids, generated as <prefix>_<uuid>; None: integer ids
    invalid: str | None = None  # the code (in ``codes``) refusing a malformed public id

    def __post_init__(self) -> None:
        # Fail at import, not in a request, if a code is not in the domain's enum (codes are API).
        for suffix in ("NOT_FOUND", "ALREADY_EXISTS", "IN_USE"):
            self.codes(f"{self.code}_{suffix}")
        if self.id_prefix is not None:
            self.codes(str(self.invalid))

    @property
    def not_found(self) -> StrEnum:
        return self.codes(f"{self.code}_NOT_FOUND")

    @property
    def already_exists(self) -> StrEnum:
        return self.codes(f"{self.code}_ALREADY_EXISTS")

    @property
    def in_use(self) -> StrEnum:
        return self.codes(f"{self.code}_IN_USE")

    @property
    def uniqueness(self) -> str | None:
        if self.unique is not None or self.key_field is None:
            return self.unique
        return f"{self.key_field} unique in the org, regardless of case"

    def missing(self) -> NotFound:
        return NotFound(f"{self.entity} not found", code=self.not_found)

    def taken(self, field: str | None = None) -> Conflict:
        """The 409 for a name (or code) already used; ``field`` names it in a nested body (tiers[1].name)."""
        return Conflict(
            f"{self.entity} with this {self.key_field} already exists",
            code=self.already_exists,
            field=field or self.key_field,
        )

    def id_taken(self) -> Conflict:
        return Conflict(f"{self.entity} with this ID already exists", code=self.already_exists)

    def used(self) -> Conflict:
        return Conflict(f"{self.entity} is used by a reward", code=self.in_use)


def flushed(flush: Callable[[], T], conflict: Conflict) -> T:
    """Run ``flush``; a unique constraint it trips (a concurrent write won the race
    after our check) is the 409 the check would have answered."""
    try:
        return flush()
    except IntegrityError:
        raise conflict from None


class Rendered(Protocol):
    @classmethod
    def of(cls, row: Any) -> BaseModel: ...


class CrudService(Generic[M]):
    """Get, list, create, update and delete the rows of one kind in an org. Never commits.

    A subclass sets the class attributes and :meth:`assign`; :meth:`key` when
    something besides the id is unique; :meth:`refuse_delete`,
    :meth:`before_delete` and :meth:`check_change` where the kind has more to
    say. Methods take the request's values as a mapping of wire field names
    (on update, only the fields the client sent), never a wire schema.
    """

    kind: ClassVar[Kind]
    model: type[M]
    public_id: ClassVar[Any] = None  # the public id column when kind.id_prefix is set (Product.product_id)
    create_body: ClassVar[type[BaseModel]]  # the wire schemas add_crud_routes reads bodies with
    update_body: ClassVar[type[BaseModel]]
    out: ClassVar[type[Rendered]]
    required: ClassVar[tuple[str, ...]] = ("name",)

    def __init__(self, session: Session) -> None:
        # Read off the class: a mapped attribute read through an instance is a value, not the column.
        self.rows = OrgScopedRepository[M](session, self.model, type(self).public_id)

    # ---- what each kind says ------------------------------------------------

    def assign(self, row: M, values: Mapping[str, Any]) -> None:
        """Check and set the fields present in ``values`` (the body's, or only those given on update)."""
        raise NotImplementedError

    def key(self, row: M) -> dict[str, Any] | None:
        """The columns (and values) unique in the org besides the id, or None."""
        return None

    def key_taken(self) -> Conflict:
        """The 409 when :meth:`key` is another row's."""
        return self.kind.taken()

    def before_change(self, row: M) -> Any:
        """What :meth:`check_change` needs to know of the row as it was, taken before the update."""
        return None

    def check_change(self, org_id: str, before: Any, row: M) -> None:
        """Refuse an update the row may not take (e.g. renaming what rewards name it by)."""

    def refuse_delete(self, org_id: str, row: M) -> None:
        """Refuse to delete what is in use (asked with the row locked)."""

    def before_delete(self, row: M) -> None:
        """Delete what belongs to the row (children) before the row itself."""

    def render(self, rows: Sequence[M]) -> list[BaseModel]:
        return [self.out.of(row) for row in rows]

    # ---- CRUD ---------------------------------------------------------------

    def get(self, org_id: str, ident: Any, *, for_update: bool = False) -> M:
        row = self.rows.get(org_id, ident, for_update=for_update)
        if row is None:
            raise self.kind.missing()
        return row

    def list(self, org_id: str, *, cursor: str | None, limit: int) -> tuple[list[M], str | None]:
        rows = self.rows.page(org_id, after=decode_cursor(cursor), limit=limit)
        return rows, next_cursor([r.id for r in rows], limit)  # type: ignore[attr-defined]

    def create(self, org_id: str, values: Mapping[str, Any]) -> M:
        require_fields(values, self.required)
        kind = self.kind
        now = utcnow()
        row = self.model()
        row.org_id = org_id  # type: ignore[attr-defined]
        row.created_at = row.updated_at = now  # type: ignore[attr-defined]
        if kind.id_prefix is not None:
            ident = public_id(
                values.get(kind.id_param), prefix=kind.id_prefix, field=kind.id_param, code=str(kind.invalid)
            )
            if self.rows.exists(org_id, ident):
                raise kind.id_taken()
            setattr(row, self.rows.ident_column.key, ident)
        self.assign(row, values)
        self._check_key_free(org_id, row)
        # A concurrent create took the id or the key between our checks and our insert.
        return flushed(lambda: self.rows.add(row), kind.id_taken() if self.key(row) is None else self.key_taken())

    def update(self, org_id: str, ident: Any, values: Mapping[str, Any]) -> M:
        row = self.get(org_id, ident, for_update=True)
        if values:
            before = self.before_change(row)
            self.assign(row, values)
            self.check_change(org_id, before, row)
            self._check_key_free(org_id, row)
            row.updated_at = utcnow()  # type: ignore[attr-defined]
            flushed(self.rows.flush, self.key_taken())
        return row

    def delete(self, org_id: str, ident: Any) -> None:
        # Locked before anything is asked of it: a reward write naming the row holds it (FOR KEY
        # SHARE, or its foreign key does) until it commits, so this waits and then sees that reward.
        row = self.get(org_id, ident, for_update=True)
        self.refuse_delete(org_id, row)
        self.before_delete(row)
        try:
            self.rows.delete(row)
        except IntegrityError:
            # A reward's foreign key to the row (ON DELETE RESTRICT) refused the delete.
            raise self.kind.used() from None

    def _check_key_free(self, org_id: str, row: M) -> None:
        # No autoflush: the row's own pending values are not in the database yet,
        # so this sees only the other rows (and excludes the row itself by id).
        key = self.key(row)
        if key is not None and self.rows.taken(org_id, key, other_than=row.id):  # type: ignore[attr-defined]
            raise self.key_taken()


# ---- the routes -------------------------------------------------------------

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
Cursor = Annotated[
    str | None, Query(description="nextCursor of the previous page", json_schema_extra=js.exactly(js.CURSOR))
]


def endpoint(
    fn: Callable[..., T],
    *,
    name: str,
    doc: str,
    params: Mapping[str, str] | None = None,
    body: type[BaseModel] | None = None,
    ident: Any = None,
) -> Callable[..., T]:
    """``fn`` as FastAPI should see it for one kind.

    FastAPI reads a route's parameters from its endpoint's signature. The
    generic endpoints are written once, with ``item_id`` (``parent_id``,
    ``child_id``) and ``body: BaseModel``; this gives a copy the kind's wire
    names (``labelId``), id type (``ident``) and body schema, and maps the
    names back on each call.
    """
    signature = inspect.signature(fn, eval_str=True)
    rename = {generic: wire for generic, wire in (params or {}).items() if generic in signature.parameters}

    def annotation(p: inspect.Parameter) -> Any:
        if p.name == "body" and body is not None:
            return body
        if p.name == "item_id" and ident is not None:
            return ident
        return p.annotation

    parameters = [
        p.replace(name=rename.get(p.name, p.name), annotation=annotation(p)) for p in signature.parameters.values()
    ]

    def call(**kwargs: Any) -> T:
        for generic, wire in rename.items():
            kwargs[generic] = kwargs.pop(wire)
        return fn(**kwargs)

    call.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    call.__name__ = call.__qualname__ = name
    call.__doc__ = doc
    return call


def enveloped(model: type[BaseModel]) -> Any:
    """``Envelope[model]`` for a model known only at runtime (mypy cannot check that)."""
    return Envelope[model]  # type: ignore[valid-type]


def _schema_name(kind: Kind) -> str:
    return kind.singular[0].upper() + kind.singular[1:]


def _list_model(kind: Kind, out: type[Any]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        kind.plural: (list[out], ...),  # type: ignore[valid-type]
        "count": (int, Field(description="Number of items in this page.")),
        "nextCursor": (str | None, Field(description="Pass as `cursor` for the next page; null on the last page.")),
    }
    return create_model(f"{_schema_name(kind)}List", **fields)


def created_model(kind: Kind, out: type[Any]) -> type[BaseModel]:
    fields: dict[str, Any] = {"message": (str, f"{kind.entity} created successfully"), kind.singular: (out, ...)}
    return create_model(f"{_schema_name(kind)}Created", **fields)


def snake(words: str) -> str:
    return words.lower().replace(" ", "_").replace("-", "_")


def add_crud_routes(router: APIRouter, service_type: type[CrudService[Any]], *, reader: Any, writer: Any) -> None:
    """GET list, POST, GET one, PUT and DELETE for one kind; ``reader`` and ``writer`` are the
    principal dependencies (annotated types) that authorize reading and writing it."""
    kind = service_type.kind
    out = service_type.out
    listed, created = _list_model(kind, out), created_model(kind, out)
    entity, plural = kind.entity.lower(), kind.path.strip("/").replace("-", " ")
    one = f"{kind.path}/{{{kind.id_param}}}"
    rename = {"item_id": kind.id_param}
    if kind.id_prefix is None:
        ident: Any = RowIdPath
        bad_id: tuple[int, ...] = (400,)  # an integer id out of range
    else:
        described = js.public_id(f"The {entity}'s {kind.id_param}.")
        ident, bad_id = Annotated[str, Path(json_schema_extra=js.exactly(described))], ()
    conflicts = (409,) if kind.key_field is not None else ()

    def list_rows(
        principal: Any, session: DbSession, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
    ) -> Envelope[Any]:
        service = service_type(session)
        rows, following = service.list(principal.org_id, cursor=cursor, limit=limit)
        items = service.render(rows)
        return ok(listed(**{kind.plural: items, "count": len(items), "nextCursor": following}))

    def create_row(principal: Any, session: DbSession, body: BaseModel) -> Envelope[Any]:
        service = service_type(session)
        [row] = service.render([service.create(principal.org_id, body.model_dump())])
        return ok(created(**{kind.singular: row}))

    def get_row(principal: Any, session: DbSession, item_id: Any) -> Envelope[Any]:
        service = service_type(session)
        return ok(service.render([service.get(principal.org_id, item_id)])[0])

    def update_row(principal: Any, session: DbSession, item_id: Any, body: BaseModel) -> Envelope[Any]:
        service = service_type(session)
        values = body.model_dump(include=body.model_fields_set)
        return ok(service.render([service.update(principal.org_id, item_id, values)])[0])

    def delete_row(principal: Any, session: DbSession, item_id: Any) -> Envelope[Message]:
        service_type(session).delete(principal.org_id, item_id)
        return ok(Message(message=f"{kind.entity} deleted successfully"))

    def as_reader(fn: Callable[..., T], **kwargs: Any) -> Callable[..., T]:
        return _with_principal(endpoint(fn, ident=ident, **kwargs), reader)

    def as_writer(fn: Callable[..., T], **kwargs: Any) -> Callable[..., T]:
        return _with_principal(endpoint(fn, ident=ident, **kwargs), writer)

    uniqueness = f" ({kind.uniqueness})" if kind.uniqueness else ""
    router.add_api_route(
        kind.path,
        as_reader(list_rows, name=f"list_{snake(plural)}", doc=f"List the org's {plural}, oldest first."),
        methods=["GET"],
        response_model=enveloped(listed),
        responses=error_responses(400, 401, 403),
    )
    router.add_api_route(
        kind.path,
        as_writer(
            create_row,
            name=f"create_{snake(entity)}",
            doc=f"Create a {entity}{uniqueness}.",
            body=service_type.create_body,
        ),
        methods=["POST"],
        status_code=201,
        response_model=enveloped(created),
        responses=error_responses(400, 401, 403, 409),
    )
    router.add_api_route(
        one,
        as_reader(get_row, name=f"get_{snake(entity)}", doc=f"Get a {entity}.", params=rename),
        methods=["GET"],
        response_model=enveloped(out),  # type: ignore[arg-type]
        responses=error_responses(*bad_id, 401, 403, 404),
    )
    router.add_api_route(
        one,
        as_writer(
            update_row,
            name=f"update_{snake(entity)}",
            doc=f"Update a {entity}; fields left out keep their values.",
            params=rename,
            body=service_type.update_body,
        ),
        methods=["PUT"],
        response_model=enveloped(out),  # type: ignore[arg-type]
        responses=error_responses(400, 401, 403, 404, *conflicts),
    )
    router.add_api_route(
        one,
        as_writer(
            delete_row,
            name=f"delete_{snake(entity)}",
            doc=f"Delete a {entity}; refused with 409 {kind.in_use} while {kind.used_by}.",
            params=rename,
        ),
        methods=["DELETE"],
        response_model=Envelope[Message],
        responses=error_responses(*bad_id, 401, 403, 404, 409),
    )


def _with_principal(fn: Callable[..., T], principal: Any) -> Callable[..., T]:
    """``fn`` with its ``principal`` parameter annotated with the authorizing dependency."""
    signature: inspect.Signature = fn.__signature__  # type: ignore[attr-defined]
    parameters = [
        p.replace(annotation=principal) if p.name == "principal" else p for p in signature.parameters.values()
    ]
    fn.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return fn
