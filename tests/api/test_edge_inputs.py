"""Inputs no database can hold, through HTTP: each is a clear 400 naming the field, never a 500.

The classes of issue "no input reaches a 500": NUL and control characters, lone
surrogates, integers beyond their column, date-times beyond the representable
range, NaN and Infinity, free-form documents too deep or too large, and bodies
that are not JSON at all. Each runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from laurels.kit.validation import FREE_FORM_MAX_BYTES, FREE_FORM_MAX_DEPTH, INT32_MAX, MAX_SAFE_INTEGER
from tests.support import Tenant, error_of

CAP = "/api_gateway/rewards/core/v1"
POINTS = {"name": "Points", "rewardType": "points", "config": {"amount": 10}}


def post_raw(tenant: Tenant, path: str, raw: str | bytes, content_type: str = "application/json") -> Any:
    return tenant.post(path, content=raw, headers={"Content-Type": content_type})


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"d": value}
    return value


# (path, body) pairs whose create succeeds with a good body; each test spoils one field.
CREATES: list[tuple[str, dict[str, Any]]] = [
    ("/v1/rewards", POINTS),
    ("/v1/brands", {"name": "Brand"}),
    ("/v1/products", {"sku": "SKU-1", "name": "Product"}),
    ("/v1/competitions", {"name": "Competition"}),
    ("/v1/code-pools", {"name": "Pool"}),
    ("/v1/labels", {"name": "Label"}),
    ("/v1/card-series", {"code": "SERIES1", "name": "Series"}),
    ("/v1/custom-fields", {"name": "field", "scope": "reward"}),
    ("/v1/loyalty-programs", {"name": "Program", "tiers": [{"name": "Gold"}]}),
    ("/v1/segments", {"name": "Segment", "partitions": [{"name": "P"}]}),
    ("/v1/categories", {"name": "Category"}),
    ("/v1/vendors", {"name": "Vendor"}),
    ("/v1/reward-groups", {"name": "Group", "rewards": []}),
    ("/v1/payout-schemes", {"name": "Scheme"}),
]


@pytest.mark.parametrize(("path", "body"), CREATES, ids=[p for p, _ in CREATES])
@pytest.mark.parametrize("bad", ["a\u0000b", "a\u0001b", "a\u001fb"], ids=["nul", "soh", "us"])
def test_control_characters_in_a_name_are_refused(tenant: Tenant, path: str, body: dict[str, Any], bad: str) -> None:
    error = error_of(tenant.post(path, json={**body, "name": bad}), 400)
    assert error["code"] == "INVALID_CHARACTERS"
    assert error["field"] == "name"
    assert "name must not contain" in error["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/rewards", {**POINTS, "description": "x\u0000"}, "description"),
        ("/v1/rewards", {**POINTS, "metadata": {"k\u0000": 1}}, "metadata"),
        ("/v1/rewards", {**POINTS, "metadata": {"a": {"b": ["ok", "v\u0000"]}}}, "metadata.a.b[1]"),
        ("/v1/products", {"sku": "S\u0000", "name": "P"}, "sku"),
        ("/v1/loyalty-programs", {"name": "P", "tiers": [{"name": "ok"}, {"name": "G\u0000"}]}, "tiers[1].name"),
    ],
)
def test_nul_at_any_depth_is_refused_naming_the_field(
    tenant: Tenant, path: str, body: dict[str, Any], field: str
) -> None:
    error = error_of(tenant.post(path, json=body), 400)
    assert (error["code"], error["field"]) == ("INVALID_CHARACTERS", field)


def test_nul_in_a_path_id_and_a_query_value_is_refused(tenant: Tenant) -> None:
    error = error_of(tenant.get("/v1/customers/a%00b"), 400)
    assert (error["code"], error["field"]) == ("INVALID_CHARACTERS", "path")
    error = error_of(tenant.get("/v1/rewards", params={"status": "a\u0000"}), 400)
    assert (error["code"], error["field"]) == ("INVALID_CHARACTERS", "status")
    error = error_of(tenant.get("/v1/rewards", params={"cursor": "\u0007"}), 400)
    assert error["field"] == "cursor"


def test_line_breaks_are_refused_in_names_but_kept_in_descriptions(tenant: Tenant) -> None:
    error = error_of(tenant.post("/v1/rewards", json={**POINTS, "name": "two\nlines"}), 400)
    assert error["field"] == "name"
    reward = tenant.data(tenant.post("/v1/rewards", json={**POINTS, "description": "two\nlines\tok"}), 201)["reward"]
    assert reward["description"] == "two\nlines\tok"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"name": "x\\ud800y", "rewardType": "points", "config": {"amount": 1}}', "name"),
        ('{"name": "ok", "rewardType": "points", "config": {"amount": 1}, "metadata": {"k": "\\udfff"}}', "metadata.k"),
        ('{"name": "ok", "rewardType": "points", "config": {"amount": 1}, "metadata": {"\\ud800": 1}}', "metadata"),
        # An unknown key is quoted back in messages: it is refused before anything can quote it.
        ('{"name": "ok", "rewardType": "points", "config": {"amount": 1, "x\\ud800": 2}}', "config"),
    ],
)
def test_lone_surrogates_are_refused(tenant: Tenant, raw: str, field: str) -> None:
    error = error_of(post_raw(tenant, "/v1/rewards", raw), 400)
    assert (error["code"], error["field"]) == ("INVALID_CHARACTERS", field)
    assert "surrogate" in error["message"]


def test_a_lone_surrogate_as_a_top_level_key_is_refused(tenant: Tenant) -> None:
    error = error_of(post_raw(tenant, "/v1/rewards", '{"\\ud800": 1}'), 400)
    assert error["code"] == "INVALID_CHARACTERS"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("path", ["/v1/rewards", "/v1/products", f"{CAP}/reward/create"])
def test_nan_and_infinity_are_not_json(tenant: Tenant, constant: str, path: str) -> None:
    raw = '{"name": "x", "rewardType": "points", "config": {"amount": C}, "stock": C}'.replace("C", constant)
    response = post_raw(tenant, path, raw)
    assert response.status_code == 400, response.text
    assert "not valid JSON" in response.text
    assert constant.lstrip("-") in response.text


BIG = [2**31, 2**63, 2**64 + 1]


@pytest.mark.parametrize("big", BIG)
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/products", {"sku": "S", "name": "P"}, "stock"),
        ("/v1/rewards", POINTS, "priority"),
        ("/v1/rewards", POINTS, "intouchPoints"),
        ("/v1/rewards", POINTS, "rewardRank"),
        ("/v1/loyalty-programs/{program}/tiers", {"name": "T"}, "rank"),
    ],
)
def test_integers_beyond_their_column_are_refused(
    tenant: Tenant, big: int, path: str, body: dict[str, Any], field: str
) -> None:
    program = tenant.data(tenant.post("/v1/loyalty-programs", json={"name": f"P{big}{field}"}), 201)["loyaltyProgram"]
    response = tenant.post(path.format(program=program["id"]), json={**body, field: big})
    error = error_of(response, 400)
    assert error["field"] == field, error


def test_integers_at_the_edge_of_their_column_are_stored(tenant: Tenant) -> None:
    product = tenant.data(tenant.post("/v1/products", json={"sku": "EDGE", "name": "P", "stock": INT32_MAX}), 201)
    assert product["product"]["stock"] == INT32_MAX
    reward = tenant.data(tenant.post("/v1/rewards", json={**POINTS, "priority": INT32_MAX}), 201)["reward"]
    assert reward["priority"] == INT32_MAX


def test_a_tier_rank_beyond_32_bits_inside_a_program_body_is_refused(tenant: Tenant) -> None:
    body = {"name": "Program", "tiers": [{"name": "Gold", "rank": 2**31}]}
    error = error_of(tenant.post("/v1/loyalty-programs", json=body), 400)
    assert error["field"] == "tiers[0].rank"


@pytest.mark.parametrize("points", [1e30, 2**63, 2**53, "1e30", 10.5])
def test_points_in_payment_configs_are_exact_integers(tenant: Tenant, points: Any) -> None:
    body = {**POINTS, "paymentConfigs": [{"paymentMode": "POINTS", "points": points}]}
    error = error_of(tenant.post("/v1/rewards", json=body), 400)
    assert error["field"] == "paymentConfigs[0].points"


def test_points_up_to_2_53_are_kept_exactly(tenant: Tenant) -> None:
    body = {**POINTS, "paymentConfigs": [{"paymentMode": "POINTS", "points": MAX_SAFE_INTEGER}]}
    reward = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]
    assert reward["paymentConfigs"][0]["points"] == MAX_SAFE_INTEGER


@pytest.mark.parametrize("amount", [1e30, 2**63])
def test_a_points_amount_beyond_2_53_is_refused(tenant: Tenant, amount: Any) -> None:
    error = error_of(tenant.post("/v1/rewards", json={**POINTS, "config": {"amount": amount}}), 400)
    assert error["field"] == "config.amount"


@pytest.mark.parametrize(
    "params",
    [{"limit": 2**63}, {"limit": 2**31}, {"cursor": "aWQ6OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}],
    ids=["limit-2^63", "limit-2^31", "cursor-huge-id"],
)
def test_page_parameters_beyond_range_are_refused(tenant: Tenant, params: dict[str, Any]) -> None:
    for path in ("/v1/rewards", "/v1/labels", "/v1/customers", "/v1/reward-groups"):
        error_of(tenant.get(path, params=params), 400)


@pytest.mark.parametrize("params", [{"page": 2**63}, {"page": 2**31}, {"size": 2**63}])
def test_capillary_page_numbers_beyond_range_are_refused(tenant: Tenant, params: dict[str, Any]) -> None:
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "B"}), 201)
    response = tenant.get(f"{CAP}/reward/list/brand/{brand['brandId']}", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["status"]["success"] is False


OUT_OF_RANGE = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "10000-01-01T00:00:00Z"]
NOT_DATES = ["3", "1700000000", "yesterday", "", "2024-13-01T00:00:00Z"]


@pytest.mark.parametrize("value", OUT_OF_RANGE + NOT_DATES + [1700000000])
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/rewards", POINTS, "startTime"),
        ("/v1/rewards", POINTS, "endDate"),
        ("/v1/competitions", {"name": "C"}, "startsAt"),
        ("/v1/competitions", {"name": "C"}, "endsAt"),
    ],
)
def test_date_times_outside_the_calendar_or_not_dates_are_refused(
    tenant: Tenant, value: Any, path: str, body: dict[str, Any], field: str
) -> None:
    error = error_of(tenant.post(path, json={**body, field: value}), 400)
    assert field in error["message"]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_nested_date_times_outside_the_calendar_are_refused(tenant: Tenant, value: str) -> None:
    restriction = {"kpi": "QUANTITY", "limit": 1, "repeatFrequencyType": "DAYS", "startOfCycle": value}
    body = {**POINTS, "restrictions": {"rewardLevel": [restriction]}}
    error = error_of(tenant.post("/v1/rewards", json=body), 400)
    assert error["field"] == "restrictions.rewardLevel[0].startOfCycle"


@pytest.mark.parametrize("value", [*OUT_OF_RANGE, "3"])
@pytest.mark.parametrize("param", ["startDate", "endDate"])
def test_date_query_parameters_outside_the_calendar_are_refused(tenant: Tenant, value: str, param: str) -> None:
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "B"}), 201)
    response = tenant.get(f"{CAP}/reward/list/brand/{brand['brandId']}", params={param: value})
    assert response.status_code == 400, response.text
    assert param in response.json()["status"]["message"]


def test_one_date_time_parser_reads_both_forms_everywhere(tenant: Tenant) -> None:
    body = {"name": "C", "startsAt": "2030-01-02 03:04:05", "endsAt": "2030-01-03T03:04:05+01:00"}
    competition = tenant.data(tenant.post("/v1/competitions", json=body), 201)["competition"]
    assert competition["startsAt"] == "2030-01-02T03:04:05.000Z"
    assert competition["endsAt"] == "2030-01-03T02:04:05.000Z"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/rewards", POINTS, "metadata"),
        ("/v1/rewards", POINTS, "customFields"),
    ],
)
def test_free_form_documents_deeper_than_the_limit_are_refused(
    tenant: Tenant, path: str, body: dict[str, Any], field: str
) -> None:
    tenant.data(tenant.post("/v1/custom-fields", json={"name": "d", "scope": "reward"}), 201)
    tenant.data(tenant.post(path, json={**body, field: nested(FREE_FORM_MAX_DEPTH)}), 201)
    error = error_of(tenant.post(path, json={**body, field: nested(FREE_FORM_MAX_DEPTH + 1)}), 400)
    assert (error["code"], error["field"]) == ("DOCUMENT_TOO_DEEP", field)


def test_free_form_documents_larger_than_the_limit_are_refused(tenant: Tenant) -> None:
    fits = {"k": "x" * (FREE_FORM_MAX_BYTES - 10)}
    assert len(json.dumps(fits, separators=(",", ":"))) <= FREE_FORM_MAX_BYTES
    tenant.data(tenant.post("/v1/rewards", json={**POINTS, "metadata": fits}), 201)
    many_keys = {f"key{i}": i for i in range(20_000)}
    for metadata in ({"k": "x" * FREE_FORM_MAX_BYTES}, many_keys):
        error = error_of(tenant.post("/v1/rewards", json={**POINTS, "metadata": metadata}), 400)
        assert (error["code"], error["field"]) == ("DOCUMENT_TOO_LARGE", "metadata")


def test_rich_content_and_language_custom_fields_are_free_form_too(tenant: Tenant) -> None:
    language = {"languageCode": "en", "name": "N", "customFields": nested(FREE_FORM_MAX_DEPTH + 1)}
    body = {**POINTS, "languageSpecificInfo": [language]}
    error = error_of(tenant.post("/v1/rewards", json=body), 400)
    assert (error["code"], error["field"]) == ("DOCUMENT_TOO_DEEP", "languageSpecificInfo[0].customFields")


def test_a_body_nested_past_the_guard_is_refused_with_its_own_code(tenant: Tenant) -> None:
    for raw in ("[" * 100 + "]" * 100, "[" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000):
        error = error_of(post_raw(tenant, "/v1/rewards", raw), 400)
        assert error["code"] == "BODY_TOO_DEEP"


def test_malformed_and_empty_bodies_say_so(tenant: Tenant) -> None:
    error = error_of(post_raw(tenant, "/v1/rewards", '{"name": "x",'), 400)
    assert error["code"] == "INVALID_BODY"
    assert error["message"].startswith("Request body is not valid JSON")
    assert "field" not in error
    error = error_of(post_raw(tenant, "/v1/rewards", b""), 400)
    assert error["code"] == "INVALID_BODY"
    error = error_of(post_raw(tenant, "/v1/rewards", b"\xff\xfe"), 400)
    assert error["code"] == "INVALID_BODY"
    error = error_of(post_raw(tenant, "/v1/rewards", "[1, 2]"), 400)
    assert error["code"] == "INVALID_BODY"


def test_a_body_with_another_content_type_is_refused_naming_the_header(tenant: Tenant) -> None:
    for content_type in ("text/plain", "application/xml"):
        response = post_raw(tenant, "/v1/rewards", json.dumps(POINTS), content_type)
        error = error_of(response, 415)
        assert (error["code"], error["field"]) == ("UNSUPPORTED_MEDIA_TYPE", "Content-Type")
        assert "Content-Type" in error["message"]
    response = tenant.client.post("/v1/rewards", content=json.dumps(POINTS), headers=tenant.headers)
    assert error_of(response, 415)["field"] == "Content-Type"


def test_capillary_refusals_use_the_capillary_envelope(tenant: Tenant) -> None:
    response = post_raw(tenant, f"{CAP}/reward/create", '{"name": "a\\u0000"}')
    assert response.status_code == 400
    status = response.json()["status"]
    assert (status["success"], status["reason"], status["field"]) == (False, "INVALID_CHARACTERS", "name")


def test_a_body_larger_than_the_limit_is_refused_before_it_is_read(tenant: Tenant) -> None:
    response = tenant.post(
        "/v1/rewards", content=b" " * (16 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    error = error_of(response, 413)
    assert error["code"] == "BODY_TOO_LARGE"


def test_nothing_refused_was_stored(tenant: Tenant) -> None:
    for name in ("a\u0000", "b\u0001"):
        tenant.post("/v1/labels", json={"name": name})
    labels = tenant.data(tenant.get("/v1/labels"))
    assert labels["count"] == 0


@pytest.mark.parametrize("ident", [str(2**31), str(2**63), "9" * 5000])
def test_an_integer_id_larger_than_any_row_is_simply_not_found(tenant: Tenant, ident: str) -> None:
    assert error_of(tenant.get(f"/v1/rewards/{ident}"), 404)["code"] == "REWARD_NOT_FOUND"
    assert tenant.get(f"/v1/labels/{ident}").status_code in (400, 404)
