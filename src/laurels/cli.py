"""The `laurels` command. Every command prints JSON on stdout; failures go to stderr with exit 1."""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
import uvicorn
import uvicorn.config
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from laurels.config import DATABASE_FILE, DataDirUnknown, database_location, database_url, sqlite_path
from laurels.issuance.reconcile import ReconcileService
from laurels.issuance.service import KEYS_KEPT_HOURS, IssuanceService
from laurels.kit import migrate
from laurels.kit.clock import iso_ms, utcnow
from laurels.kit.db import Database
from laurels.kit.errors import LaurelsError
from laurels.tenancy.models import ApiKey, Org
from laurels.tenancy.service import TenancyService

app = typer.Typer(help="Laurels, a self-hosted rewards engine.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Orgs (tenants).", no_args_is_help=True)
brand_app = typer.Typer(help="Brands of an org.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)
idempotency_app = typer.Typer(help="Idempotency keys of issuing requests.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(brand_app, name="brand")
app.add_typer(apikey_app, name="apikey")
app.add_typer(idempotency_app, name="idempotency")


def _emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"laurels: {message}\n")
    raise typer.Exit(1)


def _open_database(*, create: bool) -> Database:
    """The configured database. Only ``serve`` and ``db upgrade`` may create a SQLite file.

    Any other command that finds no file stops instead: an empty database
    created by a typo'd path or an unexpected environment would hand out keys
    the running server has never heard of.
    """
    try:
        url = database_url()
    except DataDirUnknown as exc:
        _fail(str(exc))
    path = sqlite_path(url)
    if path is not None:
        if create:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        elif not path.exists():
            if os.environ.get("LAURELS_DATABASE_URL"):
                where = "set by LAURELS_DATABASE_URL; check the path, or create it with `laurels db upgrade`"
            else:
                where = (
                    "the default location; start the service first (`laurels serve` creates it), "
                    "or set LAURELS_DATABASE_URL or LAURELS_DATA_DIR to the one the service uses"
                )
            _fail(f"no database at {path} ({where})")
    return Database(url)


def _ready_database(*, create: bool = False) -> Database:
    """The configured database, migrated if it is the embedded SQLite file, checked otherwise."""
    db = _open_database(create=create)
    try:
        if db.is_sqlite:
            migrate.upgrade(db)
        elif not migrate.is_up_to_date(db):
            _fail("the database schema is not up to date: run `laurels db upgrade` first")
    except OperationalError as exc:
        _fail(f"cannot use the database {database_location(db.url)}: {exc.orig}")
    return db


S = TypeVar("S")


@contextmanager
def _service(make: Callable[[Session], S], *, write: bool = True) -> Iterator[S]:
    """A service on the configured database, in one unit of work (or a read-only session)."""
    db = _ready_database()
    try:
        if write:
            with db.unit_of_work() as session:
                yield make(session)
        else:
            # A read never takes SQLite's write lock, so a listing does not queue behind a busy server.
            with db.session(write=False) as session:
                yield make(session)
    except LaurelsError as exc:
        _fail(exc.message)
    finally:
        db.dispose()


def _run(action: Callable[[TenancyService], dict[str, Any]], *, write: bool = True) -> None:
    with _service(TenancyService, write=write) as service:
        result = action(service)
    _emit(result)


def serve_banner(url: str, host: str, port: int) -> str:
    """What ``serve`` prints before it listens: where, which database, how to get a key."""
    base = f"http://{host}:{port}"
    path = sqlite_path(url)
    kind = "SQLite" if path is not None else make_url(url).get_backend_name()
    lines = [
        f"Laurels on {base}  (API docs: {base}/docs)",
        f"Database ({kind}): {database_location(url)}",
        "Get an API key: laurels org create --name 'My Brand'  -> prints orgId and apiKey",
    ]
    stray = Path(DATABASE_FILE).resolve()
    if path is not None and not os.environ.get("LAURELS_DATABASE_URL") and stray != path and stray.exists():
        # Before the per-user data directory, the default was ./laurels.db; say so
        # rather than let an old database look lost.
        lines.append(
            f"Note: {stray} is not used (the default moved to a per-user data directory). "
            f"To keep using it: LAURELS_DATABASE_URL=sqlite:///{stray}"
        )
    return "\n".join(lines) + "\n"


def serve_log_config() -> dict[str, Any]:
    """uvicorn's logging, but each access line formatted plainly: its access formatter copies
    every record and looks up the status's phrase, 5% of a page of rewards' CPU under load
    (py-spy over bench/http.py's load). The line is the same but for that phrase."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["access"] = {"format": "%(levelname)s:     %(message)s"}
    return config


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP service (creating and migrating the embedded SQLite database first)."""
    db = _ready_database(create=True)
    db.dispose()
    sys.stderr.write(serve_banner(db.url, host, port))
    uvicorn.run(
        "laurels.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=serve_log_config(),
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the schema migrations (creating the embedded SQLite database if there is none)."""
    db = _open_database(create=True)
    try:
        reached = migrate.upgrade(db, revision)
    except OperationalError as exc:
        _fail(f"migration failed: {exc.orig}")
    finally:
        db.dispose()
    _emit({"revision": reached, "database": database_location(db.url)})


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


def _org_view(org: Org) -> dict[str, Any]:
    return {
        "orgId": org.id,
        "name": org.name,
        "timezone": org.timezone,
        "parentOrgId": org.parent_id,
        "createdAt": iso_ms(org.created_at),
    }


@org_app.command("list")
def org_list() -> None:
    """List every org: id, name, time zone, parent, creation time."""

    def action(service: TenancyService) -> dict[str, Any]:
        return {"orgs": [_org_view(org) for org in service.list_orgs()]}

    _run(action, write=False)


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


def _key_view(key: ApiKey) -> dict[str, Any]:
    # Never the secret (it is not stored) nor its hash.
    return {
        "keyId": key.id,
        "name": key.name,
        "scopes": key.scopes,
        "createdAt": iso_ms(key.created_at),
        "revoked": key.revoked_at is not None,
        "revokedAt": iso_ms(key.revoked_at) if key.revoked_at is not None else None,
    }


@apikey_app.command("list")
def apikey_list(org: Annotated[str, typer.Option(help="Org id.")]) -> None:
    """List an org's API keys, revoked ones included (ids and scopes; secrets are never shown)."""

    def action(service: TenancyService) -> dict[str, Any]:
        return {"orgId": org, "keys": [_key_view(key) for key in service.list_api_keys(org)]}

    _run(action, write=False)


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[str, typer.Argument(help="The key id (lk_...).")]) -> None:
    """Revoke an API key; requests with it are refused from now on."""

    def action(service: TenancyService) -> dict[str, Any]:
        key = service.revoke_api_key(key_id)
        return {"keyId": key.id, "revokedAt": iso_ms(key.revoked_at or utcnow())}

    _run(action)


@app.command()
def check() -> None:
    """Check that every balance agrees with its ledger and every limit counter with the issuances it
    counts (read only); prints the report, and exits 1 if any record disagrees."""
    with _service(ReconcileService, write=False) as service:
        report = service.check()
    _emit(report.as_dict())
    if not report.ok:
        print(f"laurels: {len(report.mismatches)} record(s) disagree: see mismatches", file=sys.stderr)
        raise typer.Exit(1)


@idempotency_app.command("purge")
def idempotency_purge(
    older_than_hours: Annotated[
        int, typer.Option(help=f"Remove keys first used more than this long ago (at least {KEYS_KEPT_HOURS}).")
    ] = KEYS_KEPT_HOURS,
) -> None:
    """Remove old Idempotency-Keys of every org: a retry with a removed key issues anew. Run it daily."""
    with _service(IssuanceService) as service:
        purged, before = service.purge_idempotency_keys(timedelta(hours=older_than_hours), utcnow())
    _emit({"purged": purged, "usedBefore": iso_ms(before)})


def main() -> None:
    app()
