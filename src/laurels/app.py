"""The ASGI application: every API surface on one FastAPI app."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from laurels import __version__
from laurels.capillary.envelope import PREFIX as CAPILLARY_PREFIX
from laurels.capillary.envelope import render as render_capillary
from laurels.capillary.routes import router as capillary_router
from laurels.codepools.routes import router as codepools_router
from laurels.competitions.routes import router as competitions_router
from laurels.config import database_url
from laurels.customers.routes import router as customers_router
from laurels.kit.db import Database
from laurels.kit.http import document_errors_as_served, install_error_handlers, register_surface
from laurels.payouts.routes import router as payouts_router
from laurels.products.routes import router as products_router
from laurels.reference.routes import router as reference_router
from laurels.rewards.routes import router as rewards_router
from laurels.tenancy.routes import router as brands_router

NATIVE_PREFIXES = ("/v1", "/loyalty/v1")

DESCRIPTION = """
Laurels is a self-hosted rewards engine for loyalty programs.

* **Native API** at `/v1` (also served at `/loyalty/v1`, the Monterosa base path):
  `{"success": true, "data": ...}` on success and
  `{"success": false, "error": {"code", "message", "field"}}` on failure.
* **Authentication**: `Authorization: Bearer <key>` or HTTP Basic (key id as
  user, secret as password). `X-Monterosa-Org-ID` / `X-Org-ID` choose the org
  to act for when the key may act for connected orgs.
"""


def native_router() -> APIRouter:
    router = APIRouter()
    router.include_router(rewards_router)
    router.include_router(brands_router)
    router.include_router(products_router)
    router.include_router(competitions_router)
    router.include_router(codepools_router)
    router.include_router(reference_router)
    router.include_router(customers_router)
    router.include_router(payouts_router)
    return router


def create_app(db: Database | None = None) -> FastAPI:
    app = FastAPI(title="Laurels", version=__version__, description=DESCRIPTION, docs_url="/docs", redoc_url="/redoc")
    app.state.db = db or Database(database_url())
    register_surface(CAPILLARY_PREFIX, render_capillary)
    install_error_handlers(app)
    document_errors_as_served(app)

    api = native_router()
    for prefix in NATIVE_PREFIXES:
        app.include_router(api, prefix=prefix)

    app.include_router(capillary_router)

    @app.get("/healthz", tags=["ops"], responses={503: {"description": "The database does not answer"}})
    def healthz() -> JSONResponse:
        """Health: the process answers and its database does too."""
        try:
            with app.state.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    return app
