"""The ASGI application: every API surface on one FastAPI app."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from laurels import __version__
from laurels.capillary.envelope import PREFIX as CAPILLARY_PREFIX
from laurels.capillary.envelope import render as render_capillary
from laurels.capillary.reads import RewardDetailReads, UserRewardReads
from laurels.capillary.routes import router as capillary_router
from laurels.codepools.routes import router as codepools_router
from laurels.competitions.routes import router as competitions_router
from laurels.config import cors_origins as configured_cors_origins
from laurels.config import database_url, pool_size, read_pool_size
from laurels.customers.routes import router as customers_router
from laurels.issuance.routes import router as issuance_router
from laurels.kit import options
from laurels.kit.db import Database
from laurels.kit.http import document_errors_as_served, install_error_handlers, register_surface
from laurels.kit.otel import fastapi_telemetry
from laurels.kit.reads import Reads
from laurels.kit.routing import add_routes, index_routes
from laurels.kit.unit import size_threadpool
from laurels.payouts.routes import router as payouts_router
from laurels.products.routes import router as products_router
from laurels.reference.routes import router as reference_router
from laurels.rewards.reads import RewardReads
from laurels.rewards.routes import router as rewards_router
from laurels.tenancy.auth import document_authentication
from laurels.tenancy.routes import router as brands_router

NATIVE_PREFIXES = ("/v1", "/loyalty/v1")

# Swagger UI 5 and ReDoc 2, as shipped inside the fastapi-offline package: self-hosted
# services often run where no CDN is reachable, and FastAPI's default pages load from one.
DOCS_ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
DOCS_ASSETS_URL = "/docs/assets"
# The docs pages may load nothing from another host: that is what makes them work offline,
# and it stops ReDoc fetching its vendor's logo (it hides the image when refused). Inline
# script and style stay allowed: the page's init script and both UIs' runtime styles need them.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'self'"
)

DESCRIPTION = """
Laurels is a self-hosted rewards engine for loyalty programs.

* **Native API** at `/v1` (also served at `/loyalty/v1`, the Monterosa base path):
  `{"success": true, "data": ...}` on success and
  `{"success": false, "error": {"code", "message", "field"}}` on failure.
* **Authentication**: `Authorization: Bearer <key>` or HTTP Basic (key id as
  user, secret as password). `X-Monterosa-Org-ID` / `X-Org-ID` choose the org
  to act for when the key may act for connected orgs.
"""


NATIVE_ROUTERS: tuple[APIRouter, ...] = (
    issuance_router,
    rewards_router,
    brands_router,
    products_router,
    competitions_router,
    codepools_router,
    reference_router,
    customers_router,
    payouts_router,
)


def install_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc``, every script, style and icon served by the app itself.

    FastAPI's documented self-hosting pattern: the default pages are turned off in
    the constructor and rebuilt here with local asset URLs.
    """
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS_DIR), name="docs-assets")
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    def asset(request: Request, name: str) -> str:
        # Behind a proxy that strips a path prefix, the browser needs the prefix back.
        return f"{request.scope.get('root_path', '')}{DOCS_ASSETS_URL}/{name}"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=f"{request.scope.get('root_path', '')}{app.openapi_url}",
            title=f"{app.title} - API docs",
            oauth2_redirect_url=oauth2_redirect_url,
            swagger_js_url=asset(request, "swagger-ui-bundle.js"),
            swagger_css_url=asset(request, "swagger-ui.css"),
            swagger_favicon_url=asset(request, "favicon.png"),
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=f"{request.scope.get('root_path', '')}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=asset(request, "redoc.standalone.js"),
            redoc_favicon_url=asset(request, "favicon.png"),
            # The fonts would come from Google's servers; ReDoc falls back to the system's.
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    size_threadpool(app.state.db.pool_size)
    # Everything built so far (modules, models, the app, its OpenAPI-ready routes) lives
    # as long as the process: moved out of the collector's sight, a full collection
    # scans only what requests created. Without this, each gen-2 collection walked the
    # whole heap and stalled the event loop for ~140 ms (seen under load on PostgreSQL,
    # where requests awaiting the database keep their objects alive into gen 2).
    gc.collect()
    gc.freeze()
    checkpoints = app.state.db.checkpoints
    if checkpoints is not None:
        checkpoints.start()
    try:
        yield
    finally:
        if checkpoints is not None:
            checkpoints.stop()
        await app.state.reads.close()


def create_app(db: Database | None = None, *, cors_origins: Sequence[str] | None = None) -> FastAPI:
    """The application. ``cors_origins`` defaults to ``LAURELS_CORS_ORIGINS`` (unset: no CORS)."""
    app = FastAPI(
        title="Laurels",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
        telemetry=fastapi_telemetry(),
    )
    app.state.db = db = db or Database(database_url(), pool_size())
    app.state.reads = Reads(db.url, read_pool_size())
    app.state.reward_reads = RewardReads(db, app.state.reads)
    app.state.user_reward_reads = UserRewardReads(db, app.state.reads)
    app.state.reward_detail_reads = RewardDetailReads(db, app.state.reads)
    register_surface(CAPILLARY_PREFIX, render_capillary)
    install_error_handlers(app)
    # Innermost first: the errors hook post-processes what the authentication hook wrote.
    document_authentication(app)
    document_errors_as_served(app)

    for prefix in NATIVE_PREFIXES:
        for router in NATIVE_ROUTERS:
            add_routes(app, router, prefix)
    add_routes(app, capillary_router)

    @app.get("/healthz", tags=["ops"], responses={503: {"description": "The database does not answer"}})
    async def healthz() -> JSONResponse:
        """Health: the process answers and its database does too."""
        if not await app.state.reads.ping():
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    install_docs(app)
    options.install(app, configured_cors_origins() if cors_origins is None else cors_origins)
    index_routes(app)
    return app
