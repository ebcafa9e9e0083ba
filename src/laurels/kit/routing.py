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

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send


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


class RouteIndex:
    """The app router's matching, narrowed to the routes a path can match.

    Starlette tries every route's regex in table order until one matches; with
    ~190 routes a Capillary path (the table's last third) spent a fifth of its
    CPU there. A route can only match a path that starts with the literal part
    of its own path, so this tries, in table order, only those routes — the
    same first full match the router would find. Everything else — a method
    that does not match (405), no route (404), a trailing-slash redirect, a
    request under a ``root_path`` — goes to the router itself, unchanged.
    """

    def __init__(self, router: APIRouter, app: ASGIApp) -> None:
        self.router = router
        self.app = app
        self._indexed: list[tuple[str, BaseRoute]] = []
        self._size = -1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        routes = self.router.routes
        if len(routes) != self._size:  # a route added after start-up
            self._indexed = [(_literal_prefix(route), route) for route in routes]
            self._size = len(routes)
        path: str = scope["path"]
        for prefix, route in self._indexed:
            if not path.startswith(prefix):
                continue
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                scope.setdefault("router", self.router)
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        await self.app(scope, receive, send)


def index_routes(app: FastAPI) -> None:
    """Match requests through a :class:`RouteIndex` (call once every route is added)."""
    router: Any = app.router
    router.middleware_stack = RouteIndex(app.router, router.middleware_stack)
