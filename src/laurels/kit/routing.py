"""Routes added to the app one by one, not as included routers.

FastAPI 0.163 keeps an included router as a node of its own, and matches a
request by walking those nodes, twice (once to match, once to handle), setting
and restoring scope keys at every step. With two native prefixes and nine
domain routers that walk cost more CPU than the rest of a GET by id (a
py-spy profile of ``/healthz`` under load put 38% of the process in it). Each
domain router's routes are therefore copied onto the app's own router with
their prefix, as ``include_router`` did before FastAPI grew included-router
nodes: the routes, their OpenAPI operations and their behaviour are the same
objects' settings, and matching is one pass over a flat list.
"""

from __future__ import annotations

import copy
import email.message
import inspect
import json
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, get_args, get_origin

from fastapi import APIRouter, FastAPI, params
from fastapi._compat import Undefined, get_missing_field_error
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
A = TypeVar("A")


def add_routes(app: FastAPI, router: APIRouter, prefix: str = "") -> None:
    """Add every route of ``router`` (which holds only routes, no included routers) under ``prefix``."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{prefix}: only API routes are copied, not {type(route).__name__}")
        app.router.add_api_route(
            prefix + route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=route.dependencies,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            route_class_override=type(route),
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
        )


def _literal_prefix(route: BaseRoute) -> str:
    # Everything before the first path parameter is matched literally by the route's regex.
    path: str = getattr(route, "path", "")
    return path.split("{", 1)[0]


class _Node:
    """The routes whose literal prefix holds exactly the whole segments on the way to this node,
    merged in table order with those of every node above it: all a path reaching here may match."""

    __slots__ = ("children", "routes")

    def __init__(self, routes: list[tuple[int, str, BaseRoute]]) -> None:
        self.children: dict[str, _Node] = {}
        self.routes = routes


def _tree(routes: list[BaseRoute]) -> _Node:
    root = _Node([])
    for index, route in enumerate(routes):
        prefix = _literal_prefix(route)
        node = root
        # The segments ended by a "/" are whole; what follows the last one may be a partial segment.
        for segment in prefix.split("/")[1:-1] if prefix.startswith("/") else ():
            child = node.children.get(segment)
            if child is None:
                child = node.children[segment] = _Node([])
            node = child
        node.routes.append((index, prefix, route))

    def merge(node: _Node, above: list[tuple[int, str, BaseRoute]]) -> None:
        node.routes = sorted(above + node.routes, key=lambda entry: entry[0])
        for child in node.children.values():
            merge(child, node.routes)

    merge(root, [])
    return root


class RouteIndex:
    """The app router's matching, narrowed to the routes a path can match.

    Starlette tries every route's regex in table order until one matches; with
    ~190 routes a Capillary path (the table's last third) spent a fifth of its
    CPU there. A route can only match a path that starts with the literal part
    of its own path, so this tries, in table order, only those routes — the
    same first full match the router would find. They are found by walking a
    tree of the literal parts' whole segments down the path's (a prefix test of
    every route in turn was still 6% of a Capillary list's CPU under load).
    Everything else — a method that does not match (405), no route (404), a
    trailing-slash redirect, a request under a ``root_path`` — goes to the
    router itself, unchanged.
    """

    def __init__(self, router: APIRouter, app: ASGIApp) -> None:
        self.router = router
        self.app = app
        self._tree = _Node([])
        self._size = -1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        found = self.matching(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        route, child_scope = found
        scope.setdefault("router", self.router)
        scope.update(child_scope)
        await route.handle(scope, receive, send)

    def matching(self, scope: Scope) -> tuple[BaseRoute, Scope] | None:
        """The first route, in table order, that fully matches the request, if one does."""
        routes = self.router.routes
        if len(routes) != self._size:  # a route added after start-up
            self._tree = _tree(routes)
            self._size = len(routes)
        path: str = scope["path"]
        node = self._tree
        for segment in path.split("/")[1:]:
            child = node.children.get(segment)
            if child is None:
                break
            node = child
        for _, prefix, route in node.routes:
            if path.startswith(prefix):
                match, child_scope = route.matches(scope)
                if match == Match.FULL:
                    return route, child_scope
        return None


def index_routes(app: FastAPI) -> None:
    """Match requests through a :class:`RouteIndex` (call once every route is added)."""
    router: Any = app.router
    router.middleware_stack = RouteIndex(app.router, router.middleware_stack)


# ---- lean handlers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Param:
    """One path, query or header parameter of a route, as FastAPI declared it."""

    name: str  # the endpoint's argument
    alias: str  # the name in the request
    where: str  # "path", "query" or "header": the first item of an error's loc, as FastAPI writes it
    field: Any  # FastAPI's ModelField: its validate() is the one FastAPI calls
    required: bool
    default: Any
    validate_default: bool


def _special(dependant: Dependant) -> bool:
    """Whether the dependant takes anything but the request itself."""
    return any(
        name is not None
        for name in (
            dependant.websocket_param_name,
            dependant.http_connection_param_name,
            dependant.response_param_name,
            dependant.background_tasks_param_name,
            dependant.security_scopes_param_name,
        )
    )


def _of_request_alone(sub: Dependant) -> bool:
    """A dependency that is a coroutine of the request alone: no parameters of its own, nothing nested."""
    return (
        sub.call is not None
        and inspect.iscoroutinefunction(sub.call)
        and sub.request_param_name is not None
        and not _special(sub)
        and not (sub.path_params or sub.query_params or sub.header_params or sub.cookie_params or sub.body_params)
        and not sub.dependencies
    )


def _plain_param(field: Any, where: str) -> _Param | None:
    info = field.field_info
    annotation = info.annotation
    scalar = annotation in (str, int, bool, float) or (
        getattr(annotation, "__args__", None) is not None
        and all(arg in (str, int, bool, float, type(None)) for arg in annotation.__args__)
    )
    # An alias given alone is the validation alias too: FastAPI looks the parameter up by it.
    aliased = info.validation_alias is not None and info.validation_alias != field.alias
    if aliased or info.default_factory is not None or not scalar:
        return None
    required = info.is_required()
    return _Param(
        name=field.name,
        alias=field.alias,
        where=where,
        field=field,
        required=required,
        default=None if required else info.get_default(call_default_factory=False),
        validate_default=bool(info.validate_default),
    )


@dataclass(frozen=True, slots=True)
class AfterCommit(Generic[A]):
    """What a unit answers with, made once the unit has committed and its session is closed
    (``kit.unit`` calls ``make``; a lean handler takes a route answering ``AfterCommit[Response]``).

    A route returns one (``after_commit``) when what it answers with takes work that needs
    no database: rendering a created row, say. Made inside the unit, that work would hold the
    unit's connection and, on SQLite, the writer turn, which no two writers of any process share;
    made here it holds neither. ``make`` must not touch the session: it reads what the unit left,
    plain values or ORM objects the session never held (an object it loaded is expired by the
    commit, and would load again on a closed session). A unit that fails answers with its error
    and ``make`` is never called. ``make`` runs after the write is durable, so it must not be
    able to refuse what the unit accepted: rendering, never checking (an error in it is a 500
    for a request whose write stands).
    """

    make: Callable[[], A]


def after_commit(make: Callable[[], A]) -> AfterCommit[A]:
    """Answer with ``make()``, called after the unit commits (see :class:`AfterCommit`)."""
    return AfterCommit(make)


def _plan(
    route: APIRoute,
) -> tuple[Callable[..., Awaitable[Response]], Any, list[_Param], list[Any], str | None] | None:
    """What a lean handler needs of the route (endpoint, body field, parameters, dependencies, the
    request's own parameter name), or None if the route is not one it applies to."""
    dependant = route.dependant
    call = dependant.call
    if call is None or not inspect.iscoroutinefunction(call):
        return None
    try:
        returns = get_typed_return_annotation(call)
    except (NameError, TypeError):  # an annotation that does not resolve: leave the route to FastAPI
        return None
    if get_origin(returns) is AfterCommit:
        (returns,) = get_args(returns)
    if not (isinstance(returns, type) and issubclass(returns, Response)):
        return None
    if dependant.cookie_params or _special(dependant):
        return None
    body = route.body_field
    if body is not None and (dependant.body_params != [body] or isinstance(body.field_info, params.Form)):
        return None  # a form, or a body of several parameters (embedded): FastAPI's handler
    if not all(_of_request_alone(sub) for sub in dependant.dependencies):
        return None
    declared = [(field, "path") for field in dependant.path_params] + [(f, "query") for f in dependant.query_params]
    found = [_plain_param(field, where) for field, where in declared]
    found += [_plain_param(field, "header") if field.field_info.alias else None for field in dependant.header_params]
    if any(p is None for p in found):
        return None
    parameters = [p for p in found if p is not None]
    dependencies = [(sub.name, sub.call) for sub in dependant.dependencies]
    return call, body, parameters, dependencies, dependant.request_param_name


def lean_handler(route: APIRoute, standard: Handler) -> Handler | None:
    """The route's request handler without FastAPI's per-request introspection, or None where it does not apply.

    FastAPI 0.163 re-derives, at every request, what each parameter of a
    route is — its model, its aliases, whether it is a sequence — from its type
    annotations: on the reads clients make most (a list page, Capillary's
    per-user list) that cost as much CPU as the rest of the request
    (docs/architecture.md, "Lean handlers"). This handler does what FastAPI's
    does for the routes it applies to, in FastAPI's order, with FastAPI's own
    objects, derived once:

    1. a JSON body is read and decoded as FastAPI reads it (by its
       ``Content-Type``, with the same error for JSON that does not decode);
    2. each dependency is called with the request, in order, before any
       parameter is validated (a request that fails authentication is refused
       for that, whatever its parameters);
    3. each path, then query, then header parameter, then the body, is
       validated by FastAPI's own field (``ModelField.validate``) under the
       same ``loc``, a missing one reported by FastAPI's own error;
    4. every error is raised together as one ``RequestValidationError``; the
       endpoint is called only if there is none.

    It applies to a coroutine endpoint that returns a ``Response`` itself, or a
    unit's ``AfterCommit[Response]`` (so nothing is serialized for it), and takes no cookies; scalar path and query
    parameters and header parameters named by an explicit alias, none with a
    validation alias or a default factory; at most one JSON body, not
    embedded; and dependencies that are coroutines of the request alone. Any
    other route keeps FastAPI's handler; so does every request while the app
    has ``dependency_overrides`` (tests that swap a dependency).
    """
    plan = _plan(route)
    if plan is None:
        return None
    endpoint, body, parameters, dependencies, request_name = plan
    overrides = route.dependency_overrides_provider

    async def handle(request: Request) -> Response:
        if overrides is not None and getattr(overrides, "dependency_overrides", None):
            return await standard(request)
        received = await _json_body(request) if body is not None else Undefined
        values: dict[str, Any] = {}
        solved: dict[Any, Any] = {}  # FastAPI calls a dependency named twice once per request
        for name, dependency in dependencies:
            if dependency not in solved:
                solved[dependency] = await dependency(request)
            if name is not None:
                values[name] = solved[dependency]
        if request_name is not None:
            values[request_name] = request
        errors: list[Any] = []
        sources = {"path": request.path_params, "query": request.query_params, "header": request.headers}
        for p in parameters:
            raw = sources[p.where].get(p.alias)
            loc = (p.where, p.alias)
            if raw is None:
                if p.required:
                    errors.append(_missing(loc))
                    continue
                value = copy.deepcopy(p.default)
                if not p.validate_default:
                    values[p.name] = value
                    continue
                raw = value
            value, problems = p.field.validate(raw, values, loc=loc)
            if problems:
                errors.extend(problems)
            else:
                values[p.name] = value
        if body is not None:
            value, problems = _validated_body(body, received, values)
            if problems:
                errors.extend(problems)
            else:
                values[body.name] = value
        if errors:
            raise RequestValidationError(errors, body=None if received is Undefined else received)
        return await endpoint(**values)

    return handle


async def _json_body(request: Request) -> Any:
    """The request's body as FastAPI's handler reads a JSON one: decoded when its Content-Type is
    JSON (``application/json`` or ``application/*+json``), the bytes otherwise, Undefined if empty."""
    try:
        raw = await request.body()
        if not raw:
            return Undefined
        content_type = request.headers.get("content-type")
        if not content_type:
            return raw  # FastAPI's strict content type: no Content-Type, no JSON
        message = email.message.Message()
        message["content-type"] = content_type
        subtype = message.get_content_subtype()
        if message.get_content_maintype() != "application" or not (subtype == "json" or subtype.endswith("+json")):
            return raw
        return await request.json()
    except json.JSONDecodeError as error:
        problem = {"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error", "input": {}}
        raise RequestValidationError([{**problem, "ctx": {"error": error.msg}}], body=error.doc) from error
    except HTTPException:
        raise
    except Exception as error:  # as FastAPI: a body that cannot be read or decoded at all is a 400
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from error


def _validated_body(field: Any, received: Any, values: dict[str, Any]) -> tuple[Any, list[Any]]:
    """A single, not embedded body, validated as FastAPI validates it (``request_body_to_args``)."""
    loc = ("body",)
    if received is Undefined:
        if field.field_info.is_required():
            return None, [_missing(loc)]
        value = copy.deepcopy(field.default)
        if not field.field_info.validate_default:
            return value, []
        received = value
    validated: tuple[Any, list[Any]] = field.validate(received, values, loc=loc)
    return validated


def _missing(loc: tuple[str, ...]) -> dict[str, Any]:
    """The error FastAPI reports for a required parameter the request does not carry (its own function)."""
    error: dict[str, Any] = get_missing_field_error(loc=loc)
    return error
