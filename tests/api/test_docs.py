"""OpenAPI 3.1 documents every route with its bodies and errors; docs and health answer."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support import api_routes

# Actions whose path says everything: the request has no body to document.
BODILESS = {("POST", "/v1/issuances/{transactionId}/redeem"), ("POST", "/loyalty/v1/issuances/{transactionId}/redeem")}


def test_openapi_documents_every_route(app: FastAPI, client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    routes = [(method, path) for method, path, documented in api_routes(app) if documented]
    assert sum(path.startswith("/v1/") for _, path in routes) >= 20
    for method, path in routes:
        operation = spec["paths"][path][method.lower()]
        assert operation.get("summary") or operation.get("description"), (method, path)
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), (method, path)
        assert "422" not in responses, (method, path)
        if path.startswith(("/v1/", "/loyalty/v1/")):
            assert "401" in responses, (method, path)
            error_schema = responses["401"]["content"]["application/json"]["schema"]
            assert error_schema == {"$ref": "#/components/schemas/ErrorEnvelope"}
            if method in ("POST", "PUT") and (method, path) not in BODILESS:
                assert "requestBody" in operation, (method, path)


def test_openapi_lists_required_create_fields(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["RewardCreate"]["required"] == ["name", "rewardType", "config"]


def test_docs_page_and_health(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
