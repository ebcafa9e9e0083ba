"""OPTIONS answers every path with the methods it takes; CORS is off unless an operator allows origins."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import compile_path

from laurels.app import create_app
from laurels.kit.db import Database
from tests.support import api_routes, error_of, make_tenant

ORIGIN = "https://shop.example"
CAP = "/api_gateway/rewards/core"


def _concrete(path: str) -> str:
    """A request path for a route template: each parameter filled with a plausible id."""
    return re.sub(r"\{[^}]+\}", "7", path)


def _allow(response_allow: str) -> set[str]:
    return {method.strip() for method in response_allow.split(",")}


def test_options_lists_every_method_of_every_route(app: FastAPI, client: TestClient) -> None:
    routes = api_routes(app)
    templates = {path for _, path, _ in routes}
    assert any(p.startswith("/v1/") and "{" in p for p in templates)
    assert any(p.startswith("/loyalty/v1/") for p in templates)
    assert any(p.startswith(CAP) and "{" in p for p in templates)
    for template in sorted(templates):
        concrete = _concrete(template)
        # What routing would do with each method at this path: every route whose pattern matches it.
        expected = {"OPTIONS"} | {m for m, path, _ in routes if compile_path(path)[0].match(concrete)}
        response = client.options(concrete)  # no API key: the methods are no secret
        assert response.status_code == 204, (concrete, response.text)
        assert _allow(response.headers["allow"]) == expected, concrete
        assert response.content == b""


def test_options_answers_the_ops_and_docs_paths(client: TestClient) -> None:
    assert _allow(client.options("/healthz").headers["allow"]) == {"GET", "OPTIONS"}
    assert {"GET", "OPTIONS"} <= _allow(client.options("/openapi.json").headers["allow"])


def test_options_on_reward_by_id_lists_read_update_delete(client: TestClient) -> None:
    response = client.options("/v1/rewards/123")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, PUT, DELETE, OPTIONS"


def test_options_on_unknown_path_is_not_found_in_the_surface_envelope(client: TestClient) -> None:
    assert error_of(client.options("/v1/no-such-thing"), 404)["code"] == "NOT_FOUND"
    assert client.options("/no-such-thing").status_code == 404
    capillary = client.options(f"{CAP}/no-such-thing")
    assert capillary.status_code == 404
    assert capillary.json()["status"]["success"] is False


def test_cors_is_off_by_default(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAURELS_CORS_ORIGINS", raising=False)
    with TestClient(create_app(db)) as client:
        preflight = client.options("/v1/rewards", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
        plain = client.get("/healthz", headers={"Origin": ORIGIN})
    # Not a CORS answer: the plain OPTIONS one, which a browser treats as a refused preflight.
    assert preflight.status_code == 204
    assert preflight.headers["allow"] == "GET, POST, OPTIONS"
    assert not [h for h in preflight.headers if h.lower().startswith("access-control-")]
    assert not [h for h in plain.headers if h.lower().startswith("access-control-")]


@pytest.fixture
def cors_client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db, cors_origins=[ORIGIN]), raise_server_exceptions=False) as client:
        yield client


def test_preflight_from_an_allowed_origin_is_answered_by_cors(cors_client: TestClient) -> None:
    requested = "authorization, content-type, x-monterosa-org-id, x-org-id, idempotency-key"
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": requested}
    response = cors_client.options("/v1/rewards", headers=preflight)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN
    methods = _allow(response.headers["access-control-allow-methods"])
    assert {"GET", "POST", "PUT", "DELETE"} <= methods
    headers = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {h.strip() for h in requested.split(",")} <= headers


def test_preflight_from_another_origin_is_refused(cors_client: TestClient) -> None:
    response = cors_client.options(
        "/v1/rewards", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_plain_options_and_requests_carry_cors_headers(db: Database, cors_client: TestClient) -> None:
    plain = cors_client.options("/v1/rewards/5", headers={"Origin": ORIGIN})
    assert plain.status_code == 204
    assert plain.headers["allow"] == "GET, PUT, DELETE, OPTIONS"
    assert plain.headers["access-control-allow-origin"] == ORIGIN

    tenant = make_tenant(db, cors_client)
    listed = tenant.get("/v1/brands", headers={"Origin": ORIGIN})
    assert listed.status_code == 200, listed.text
    assert listed.headers["access-control-allow-origin"] == ORIGIN
    # An error answer is readable by the web app too, or it could not show why.
    refused = cors_client.get("/v1/brands", headers={"Origin": ORIGIN})
    assert error_of(refused, 401)
    assert refused.headers["access-control-allow-origin"] == ORIGIN


def test_origins_come_from_the_environment(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAURELS_CORS_ORIGINS", f" {ORIGIN}/ , https://admin.example")
    with TestClient(create_app(db)) as client:
        for origin in (ORIGIN, "https://admin.example"):
            response = client.options("/v1/brands", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
            assert response.status_code == 200
            assert response.headers["access-control-allow-origin"] == origin
        other = client.options(
            "/v1/brands", headers={"Origin": "https://other.example", "Access-Control-Request-Method": "GET"}
        )
        assert other.status_code == 400


def test_wildcard_allows_any_origin(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAURELS_CORS_ORIGINS", "*")
    with TestClient(create_app(db)) as client:
        response = client.options(
            f"{CAP}/reward/7", headers={"Origin": "https://any.example", "Access-Control-Request-Method": "PUT"}
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
