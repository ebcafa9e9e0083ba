"""OPTIONS on every served path, and CORS for browser clients when an operator allows it.

OPTIONS is answered from the route table itself, not by a route per path: a
route added tomorrow is covered without anyone remembering to. CORS wraps it,
so a browser's preflight (``OPTIONS`` with ``Origin`` and
``Access-Control-Request-Method``) is CORS's to answer and a plain OPTIONS
passes through to the route table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

# The order a reader expects in ``Allow``; a method outside it goes last, alphabetically.
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

# What clients send: the key, the JSON body, the org to act for (both spellings), the
# retry key, and the Capillary data-scope pair. Browsers refuse any header not listed here.
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "X-Monterosa-Org-ID",
    "X-Org-ID",
    "Idempotency-Key",
    "DATA-SCOPE",
    "DATA-SCOPE-ORG",
)

STATIC_METHODS = frozenset({"GET", "HEAD"})

# (matcher, methods): a matcher is a Starlette route or FastAPI's per-inclusion route
# context; both answer ``matches(scope)`` against the full request path.
_Leaf = tuple[Any, frozenset[str]]


def _leaves(routes: Iterable[BaseRoute | Any]) -> Iterator[_Leaf]:
    for route in routes:
        # FastAPI 0.163 keeps an included router as one wrapper route; its contexts are
        # the routes with the include prefixes applied, which is what a request is matched on.
        if hasattr(route, "effective_route_contexts"):
            yield from _leaves(route.effective_route_contexts())
            continue
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            yield route, STATIC_METHODS
            continue
        methods = getattr(route, "methods", None) or getattr(getattr(route, "starlette_route", None), "methods", None)
        if methods:
            yield route, frozenset(methods)


def ordered(methods: Iterable[str]) -> list[str]:
    known = [m for m in METHOD_ORDER if m in methods]
    return known + sorted(set(methods) - set(METHOD_ORDER))


def served_methods(app: FastAPI) -> list[str]:
    """Every method some route of the app takes, plus OPTIONS."""
    methods: set[str] = {"OPTIONS"}
    for _, leaf_methods in _leaves(app.router.routes):
        methods |= leaf_methods
    return ordered(methods)


class OptionsMiddleware:
    """Answer ``OPTIONS`` with ``204 No Content`` and ``Allow``: every method the path takes.

    It runs before routing, so no API key is asked for: the answer reveals only
    the methods, which the OpenAPI document publishes anyway. A path no route
    matches goes on to the app, which answers its usual 404 envelope; so does a
    path whose own route takes OPTIONS.
    """

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self._table: list[_Leaf] | None = None

    def _routes(self) -> list[_Leaf]:
        # Built on first use, not in __init__: Starlette builds the middleware stack
        # lazily, but a route could still be added after add_middleware.
        if self._table is None:
            self._table = list(_leaves(self.fastapi_app.router.routes))
        return self._table

    def allowed(self, scope: Scope) -> list[str] | None:
        """The methods the request's path takes, or None when the app should answer itself."""
        methods: set[str] = set()
        for route, route_methods in self._routes():
            match, _ = route.matches(scope)
            if match == Match.NONE:
                continue
            if "OPTIONS" in route_methods:
                return None
            methods |= route_methods
        return ordered(methods | {"OPTIONS"}) if methods else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            allowed = self.allowed(scope)
            if allowed is not None:
                await Response(status_code=204, headers={"Allow": ", ".join(allowed)})(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI, cors_origins: Sequence[str]) -> None:
    """Serve OPTIONS on every path, and CORS for ``cors_origins`` (none: no CORS headers at all).

    Call once, after the routes are included. The order matters: Starlette runs
    the middleware added last first, so CORS sees a preflight before the OPTIONS
    middleware would answer it without CORS headers.
    """
    app.add_middleware(OptionsMiddleware, fastapi_app=app)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=served_methods(app),
            allow_headers=list(CORS_REQUEST_HEADERS),
            # Keys travel in Authorization, set by the caller's code; no cookie is ever read,
            # so credentialed requests are not needed (and "*" stays usable).
            allow_credentials=False,
        )
