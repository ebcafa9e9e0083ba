"""The OpenAPI document promises what the server does, so generated clients and the fuzzer agree with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from laurels.kit.errors import InvalidInput
from laurels.kit.pagination import decode_cursor, encode_cursor
from laurels.kit.schema import CURSOR, GUARDED_TEXT, NON_BLANK, ONE_LINE, PUBLIC_ID_REGEX
from laurels.kit.validation import INT32_MAX, PUBLIC_ID_PATTERN
from tests.support import Tenant, error_of

CAPILLARY = "/api_gateway/rewards/core"
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def admits_null(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = resolve(spec, schema)
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if "enum" in schema and None in schema["enum"]:
        return True
    if "const" in schema and schema["const"] is None:
        return True
    if any(admits_null(spec, option) for option in schema.get("anyOf", []) + schema.get("oneOf", [])):
        return True
    return not kind and not any(k in schema for k in ("anyOf", "oneOf", "allOf", "enum", "const", "$ref"))


def subschemas(spec: dict[str, Any], schema: Any, seen: set[str]) -> Iterator[dict[str, Any]]:
    """Every schema inside ``schema``, following references once."""
    if isinstance(schema, list):
        for item in schema:
            yield from subschemas(spec, item, seen)
        return
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref not in seen:
            seen.add(ref)
            yield from subschemas(spec, resolve(spec, schema), seen)
        return
    yield schema
    for key, value in schema.items():
        if key == "properties":
            for item in value.values():
                yield from subschemas(spec, item, seen)
        elif key not in ("enum", "const", "required", "default", "examples"):
            yield from subschemas(spec, value, seen)


def request_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for method, path, operation in operations(spec):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            for schema in subschemas(spec, media["schema"], set()):
                yield f"{method.upper()} {path}", schema


def test_no_required_request_property_is_nullable(spec: dict[str, Any]) -> None:
    checked = 0
    for where, schema in request_schemas(spec):
        for name in schema.get("required", []):
            prop = schema.get("properties", {}).get(name)
            if prop is not None:
                checked += 1
                assert not admits_null(spec, prop), (where, name, prop)
    assert checked > 30


def test_create_bodies_say_required_and_not_null(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["RewardCreate"]["required"] == ["name", "rewardType", "config"]
    assert schemas["ProductCreate"]["required"] == ["sku", "name"]
    assert schemas["CardSeriesCreate"]["required"] == ["code", "name"]
    name = schemas["BrandCreate"]["properties"]["name"]
    assert name["type"] == "string"
    assert "anyOf" not in name
    assert "default" not in name


def test_security_schemes_are_declared_and_required(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {**schemes["HTTPBearer"], "type": "http", "scheme": "bearer"}
    assert schemes["HTTPBasic"] == {**schemes["HTTPBasic"], "type": "http", "scheme": "basic"}
    for method, path, operation in operations(spec):
        if "ops" in operation.get("tags", []):
            assert "security" not in operation, (method, path)
            continue
        assert {"HTTPBearer": []} in operation["security"], (method, path)
        assert {"HTTPBasic": []} in operation["security"], (method, path)


def test_every_operation_documents_the_guard(spec: dict[str, Any]) -> None:
    with_body = 0
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        assert "400" in responses, (method, path)
        content = operation.get("requestBody", {}).get("content", {})
        if content:
            with_body += 1
            assert {"413", "415"} <= set(responses), (method, path)
    assert with_body > 20


def error_refs(response: dict[str, Any]) -> set[str]:
    schema = response["content"]["application/json"]["schema"]
    options = schema.get("anyOf", [schema])
    return {option["$ref"].rsplit("/", 1)[1] for option in options}


def test_capillary_operations_answer_errors_in_the_capillary_envelope(spec: dict[str, Any]) -> None:
    capillary = [(m, p, o) for m, p, o in operations(spec) if p.startswith(CAPILLARY)]
    assert len(capillary) >= 7
    for method, path, operation in capillary:
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                refs = error_refs(response)
                assert "CapillaryError" in refs, (method, path, status)
                assert "ErrorEnvelope" not in refs, (method, path, status)
    for method, path, operation in operations(spec):
        if path.startswith(("/v1/", "/loyalty/v1/")):
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert error_refs(response) == {"ErrorEnvelope"}, (method, path, status)
    failure = spec["components"]["schemas"]["Failure"]
    assert {"success", "code", "message", "reason"} <= set(failure["required"])


def test_capillary_list_documents_brand_not_found(spec: dict[str, Any]) -> None:
    operation = spec["paths"][f"{CAPILLARY}/v1/reward/list/brand/{{brandId}}"]["get"]
    assert "404" in operation["responses"]


def parameter(spec: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in spec["paths"][path][method].get("parameters", []) if p["name"] == name]
    assert len(found) == 1, (path, method, name)
    return found[0]


def test_enums_lengths_and_ranges_are_declared(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    create = schemas["RewardCreate"]["properties"]
    assert create["rewardType"]["enum"] == [
        "points",
        "product",
        "competition_entry",
        "unique_coupon",
        "non_unique_coupon",
    ]
    assert set(create["status"]["enum"]) == {"active", "inactive", None}
    assert create["name"]["maxLength"] == 255
    assert create["description"]["maxLength"] == 4000
    assert create["startTime"]["format"] == "date-time"
    assert "POINTS" in create["type"]["enum"]
    assert "MILES" in create["redemptionType"]["enum"]
    payment = create["paymentConfigs"]["items"]["oneOf"]
    assert {variant["properties"]["paymentMode"]["const"] for variant in payment} == {
        "POINTS",
        "FREE",
        "CASH",
        "POINTS_CASH",
        "CONV_RATIO",
    }
    # rewardType decides the shape of config.
    by_type = {v["properties"]["rewardType"]["const"]: v for v in schemas["RewardCreate"]["oneOf"]}
    assert by_type["points"]["properties"]["config"]["required"] == ["amount"]
    assert schemas["ProductCreate"]["properties"]["stock"]["anyOf"][0]["maximum"] == INT32_MAX
    assert schemas["CompetitionCreate"]["properties"]["startsAt"]["anyOf"][0]["format"] == "date-time"
    connected = f"{CAPILLARY}/v1.1/user/rewards/{{rewardId}}"
    assert parameter(spec, connected, "get", "DATA-SCOPE")["schema"]["enum"] == ["SELF", "OTHER"]
    listed = parameter(spec, "/v1/rewards", "get", "status")["schema"]
    assert listed["enum"] == ["active", "inactive"]
    product = parameter(spec, "/v1/products/{productId}", "get", "productId")["schema"]
    assert product["pattern"] == PUBLIC_ID_REGEX
    assert product["maxLength"] == 64


def test_required_query_parameters_are_marked_required(spec: dict[str, Any]) -> None:
    options = "/v1/payout-schemes/{payoutSchemeId}/options"
    for name in ("value", "currency", "country"):
        param = parameter(spec, options, "get", name)
        assert param["required"] is True, name
        assert not any(key.startswith("x-") for key in param["schema"])


def test_the_service_still_lists_every_missing_parameter(tenant: Tenant) -> None:
    scheme = tenant.data(tenant.post("/v1/payout-schemes", json={"name": "Payouts"}), 201)["payoutScheme"]
    error = error_of(tenant.get(f"/v1/payout-schemes/{scheme['payoutSchemeId']}/options"), 400)
    assert error["message"] == "Missing required fields: value, currency, country"


def test_request_strings_exclude_what_the_guard_refuses(spec: dict[str, Any]) -> None:
    guarded = 0
    for where, schema in request_schemas(spec):
        kind = schema.get("type")
        if kind == "string" and not any(k in schema for k in ("enum", "const", "format")):
            assert "pattern" in schema, (where, schema)
            guarded += 1
    assert guarded > 20
    for pattern in (GUARDED_TEXT, NON_BLANK, ONE_LINE):
        assert not re.search(pattern, "a\x00b")
    assert re.search(GUARDED_TEXT, "a\tb\nc")
    assert not re.search(ONE_LINE, "a\tb")
    assert not re.search(NON_BLANK, "  ")


@pytest.mark.parametrize("value", ["rew_1", "a", "1a", "A.b:c-d_e", "123", "x" * 64, "x" * 65, "a/b", "", "-"])
def test_the_documented_id_pattern_is_the_services(value: str) -> None:
    documented = bool(re.search(PUBLIC_ID_REGEX, value)) and 1 <= len(value) <= 64
    assert documented == bool(PUBLIC_ID_PATTERN.match(value))


@pytest.mark.parametrize("last_id", [0, 1, 9, 10, 99, 123, 4567, 999_999_999, 1_000_000_000, 1_999_999_999])
def test_the_documented_cursor_pattern_takes_the_cursors_the_api_returns(last_id: int) -> None:
    assert re.search(CURSOR["pattern"], encode_cursor(last_id))


@pytest.mark.parametrize("cursor", ["", "0", "aWQ6", "aWQ6OjA0MA", "eDox"])
def test_the_documented_cursor_pattern_refuses_what_the_api_refuses(cursor: str) -> None:
    assert not re.search(CURSOR["pattern"], cursor)
    if cursor:
        with pytest.raises(InvalidInput):
            decode_cursor(cursor)
