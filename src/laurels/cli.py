"""The `laurels` command. Every command prints JSON on stdout; failures go to stderr with exit 1."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
import uvicorn
from sqlalchemy.exc import OperationalError

from laurels.config import database_url
from laurels.kit import migrate
from laurels.kit.clock import iso_ms, utcnow
from laurels.kit.db import Database
from laurels.kit.errors import LaurelsError
from laurels.tenancy.repository import TenancyRepository
from laurels.tenancy.service import TenancyService

app = typer.Typer(help="Laurels, a self-hosted rewards engine.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Orgs (tenants).", no_args_is_help=True)
brand_app = typer.Typer(help="Brands of an org.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(brand_app, name="brand")
app.add_typer(apikey_app, name="apikey")


def _emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"laurels: {message}\n")
    raise typer.Exit(1)


def _ready_database() -> Database:
    """The configured database, migrated if it is the embedded SQLite file, checked otherwise."""
    db = Database(database_url())
    try:
        if db.is_sqlite:
            migrate.upgrade(db)
        elif not migrate.is_up_to_date(db):
            _fail("the database schema is not up to date: run `laurels db upgrade` first")
    except OperationalError as exc:
        _fail(f"cannot use the database {db.engine.url.render_as_string(hide_password=True)}: {exc.orig}")
    return db


@contextmanager
def _tenancy() -> Iterator[TenancyService]:
    db = _ready_database()
    try:
        with db.unit_of_work() as session:
            yield TenancyService(TenancyRepository(session))
    except LaurelsError as exc:
        _fail(exc.message)
    finally:
        db.dispose()


def _run(action: Callable[[TenancyService], dict[str, Any]]) -> None:
    with _tenancy() as service:
        result = action(service)
    _emit(result)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP service (migrating the embedded SQLite database first)."""
    db = _ready_database()
    db.dispose()
    url = f"http://{host}:{port}"
    sys.stderr.write(
        f"Laurels {url}  (API docs: {url}/docs, database: "
        f"{db.engine.url.render_as_string(hide_password=True)})\n"
        "Get an API key: laurels org create --name 'My Brand'  -> prints orgId and apiKey\n"
    )
    uvicorn.run("laurels.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the schema migrations."""
    db = Database(database_url())
    try:
        reached = migrate.upgrade(db, revision)
    except OperationalError as exc:
        _fail(f"migration failed: {exc.orig}")
    finally:
        db.dispose()
    _emit({"revision": reached, "database": db.engine.url.render_as_string(hide_password=True)})


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Option(help="Display name.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone, for FIXED limit windows.")] = "UTC",
    parent: Annotated[str | None, typer.Option(help="Parent org id (connected orgs).")] = None,
) -> None:
    """Create an org and a key holding every scope."""

    def action(service: TenancyService) -> dict[str, Any]:
        org = service.create_org(name, timezone, parent)
        issued = service.create_api_key(org.id, name="initial")
        return {
            "orgId": org.id,
            "name": org.name,
            "timezone": org.timezone,
            "parentOrgId": org.parent_id,
            "keyId": issued.key.id,
            "apiKey": issued.token,
            "scopes": issued.key.scopes,
        }

    _run(action)


@brand_app.command("create")
def brand_create(
    org: Annotated[str, typer.Option(help="Org id.")],
    name: Annotated[str, typer.Option(help="Brand name, unique in the org.")],
) -> None:
    """Create a brand in an org."""

    def action(service: TenancyService) -> dict[str, Any]:
        brand = service.create_brand(org, name)
        return {"brandId": brand.id, "orgId": brand.org_id, "name": brand.name}

    _run(action)


@apikey_app.command("create")
def apikey_create(
    org: Annotated[str, typer.Option(help="Org id.")],
    scope: Annotated[list[str] | None, typer.Option(help="A scope to grant; repeat for several. Default: all.")] = None,
    name: Annotated[str | None, typer.Option(help="A label for the key.")] = None,
) -> None:
    """Create an API key. The secret is shown once."""

    def action(service: TenancyService) -> dict[str, Any]:
        issued = service.create_api_key(org, scope, name)
        return {"keyId": issued.key.id, "orgId": org, "apiKey": issued.token, "scopes": issued.key.scopes}

    _run(action)


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[str, typer.Argument(help="The key id (lk_...).")]) -> None:
    """Revoke an API key; requests with it are refused from now on."""

    def action(service: TenancyService) -> dict[str, Any]:
        key = service.revoke_api_key(key_id)
        return {"keyId": key.id, "revokedAt": iso_ms(key.revoked_at or utcnow())}

    _run(action)


def main() -> None:
    app()
