"""HTTP plumbing shared by every API surface: envelopes, errors, the request session.

Each surface (the native API, and later the vendor dialects) registers the
path prefix it serves and a renderer that turns a :class:`LaurelsError` into
its own envelope. One set of exception handlers then serves every surface:
whatever goes wrong, the client sees its own API's error shape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from laurels.kit.db import Database
from laurels.kit.errors import CommonCode, LaurelsError
from laurels.kit.guard import Refusal, RequestGuard
from laurels.kit.schema import describe_requests
from laurels.kit.validation import MAX_ROW_ID

log = logging.getLogger("laurels")

T = TypeVar("T")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Envelope(BaseModel, Generic[T]):
    success: Literal[True] = True
    data: T


class Message(BaseModel):
    message: str


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable error code.", examples=["REWARD_NOT_FOUND"])
    message: str = Field(description="What went wrong, naming the field where there is one.")
    field: str | None = Field(default=None, description="The request field the error is about, if any.")
    details: dict[str, Any] | None = Field(
        default=None, description="What the refusal knows beyond its message, e.g. which limit and when it resets."
    )


class ErrorEnvelope(BaseModel):
    success: Literal[False] = False
    error: ErrorDetail


def ok(data: T) -> Envelope[T]:
    return Envelope[T](data=data)


ERROR_DESCRIPTIONS = {
    400: "Invalid request",
    401: "Missing or invalid API key",
    403: "Key lacks the scope, or may not act for the org named",
    404: "Not found (including another org's resource)",
    409: "Conflict",
    413: "Request body larger than 16 MiB (BODY_TOO_LARGE)",
    415: "A body sent with a Content-Type other than application/json (UNSUPPORTED_MEDIA_TYPE)",
}


def error_responses(*statuses: int, model: type[BaseModel] = ErrorEnvelope) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error statuses a route can answer, in ``model``
    (the error envelope of the route's API surface; the native one unless told)."""
    return {s: {"model": model, "description": ERROR_DESCRIPTIONS.get(s, "Error")} for s in statuses}


# ---- sessions -------------------------------------------------------------


async def get_session(request: Request) -> Session:
    """The request's session: created here, used and committed by the route's unit of work.

    Creating a session does no I/O; its transaction begins at the route's first
    statement and is committed (or rolled back) and closed in the same worker
    thread, before the response is sent (kit/unit.py). Services never commit:
    this is the boundary. A plain dependency, not a generator: nothing is left
    to close after the unit (a session no route used holds no connection), and
    FastAPI's exit stack for a generator cost CPU on every request (bench/issuance.py,
    SQLite grants, alternated: 2.4 against 2.5 ms per grant).
    """
    db: Database = request.app.state.db
    return db.session(write=request.method not in READ_METHODS)


DbSession = Annotated[Session, Depends(get_session)]

# An integer id in a path: 32-bit like the rows it names, so a larger one is a clear 400, not a database error.
RowIdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Integer id")]


# ---- errors ---------------------------------------------------------------

Renderer = Callable[[int, ErrorDetail, Request], JSONResponse]


def render_native(status: int, detail: ErrorDetail, _request: Request) -> JSONResponse:
    body = ErrorEnvelope(error=detail).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status)


_surfaces: dict[str, Renderer] = {}


def register_surface(prefix: str, renderer: Renderer) -> None:
    _surfaces[prefix] = renderer


def _renderer_for(request: Request) -> Renderer:
    path = request.url.path
    for prefix, renderer in _surfaces.items():
        if path.startswith(prefix):
            return renderer
    return render_native


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


_CODES = frozenset(CommonCode)


def validation_error_detail(exc: RequestValidationError) -> ErrorDetail:
    errors = list(exc.errors())
    for err in errors:
        loc = tuple(err["loc"])
        # No body where one is required (the guard has already refused one that is not JSON).
        if loc == ("body",) and err.get("type") == "missing":
            return ErrorDetail(code=CommonCode.INVALID_BODY, message="Request body is required: a JSON object")
        # A body that is JSON but not an object is one clear error.
        if err.get("type") in ("json_invalid", "model_attributes_type", "dict_type") and loc in (
            ("body",),
            ("body", 0),
        ):
            return ErrorDetail(code=CommonCode.INVALID_BODY, message="Request body must be a JSON object")
    missing = [
        _field_name(tuple(err["loc"]))
        for err in errors
        if err.get("type") == "missing" and len(err["loc"]) == 2 and err["loc"][0] == "body"
    ]
    if missing:
        return ErrorDetail(
            code=CommonCode.MISSING_REQUIRED_FIELDS,
            message="Missing required fields: " + ", ".join(missing),
            field=missing[0],
        )
    first = errors[0]
    field = _field_name(tuple(first["loc"]))
    # Wire types (kit/types.py) raise errors whose type is the stable code to answer with.
    code = first["type"] if first.get("type") in _CODES else CommonCode.VALIDATION_ERROR
    return ErrorDetail(code=code, message=f"{field}: {first['msg']}", field=field or None)


def _error_schema(responses: dict[str, Any]) -> dict[str, Any]:
    """The error envelope this operation already documents (its surface's), else the native one."""
    for status, response in responses.items():
        if status.startswith("4"):
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if isinstance(schema, dict) and "$ref" in schema:
                return schema
    return {"$ref": "#/components/schemas/ErrorEnvelope"}


def document_errors_as_served(app: FastAPI) -> None:
    """Make OpenAPI say what the handlers below and the request guard do, on every route:

    - a payload error is a 400 in the surface's error envelope, never FastAPI's default 422 body;
    - the guard answers 400 on any route (bad characters in the path or query; in a body, also
      NaN, invalid JSON, nesting too deep), and on a route taking a body 413 (over 16 MiB) and
      415 (a body that is not JSON);
    - request strings and keys exclude what the guard refuses, and parameters the service
      requires are marked required (:func:`laurels.kit.schema.describe_requests`).
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                error_ref = _error_schema(responses)
                statuses = (400, 413, 415) if "requestBody" in operation else (400,)
                for status in statuses:
                    responses.setdefault(
                        str(status),
                        {
                            "description": ERROR_DESCRIPTIONS[status],
                            "content": {"application/json": {"schema": dict(error_ref)}},
                        },
                    )
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        describe_requests(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _render_refusal(request: Request, refusal: Refusal) -> JSONResponse:
    detail = ErrorDetail(code=refusal.code, message=refusal.message, field=refusal.field)
    return _renderer_for(request)(refusal.status, detail, request)


def install_error_handlers(app: FastAPI) -> None:
    """Every way a request can fail, rendered in its surface's envelope: the request guard
    (kit/guard.py) in front of the routes, then the exception handlers behind them."""
    app.add_middleware(RequestGuard, render=_render_refusal)

    @app.exception_handler(LaurelsError)
    async def _laurels(request: Request, exc: LaurelsError) -> JSONResponse:
        detail = ErrorDetail(code=exc.code, message=exc.message, field=exc.field, details=exc.details)
        return _renderer_for(request)(exc.status_code, detail, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _renderer_for(request)(400, validation_error_detail(exc), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: CommonCode.NOT_FOUND, 405: CommonCode.METHOD_NOT_ALLOWED}.get(exc.status_code, "HTTP_ERROR")
        message = "Not found" if exc.status_code == 404 else str(exc.detail)
        response = _renderer_for(request)(exc.status_code, ErrorDetail(code=code, message=message), request)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        detail = ErrorDetail(code=CommonCode.INTERNAL_ERROR, message="Internal server error")
        return _renderer_for(request)(500, detail, request)
