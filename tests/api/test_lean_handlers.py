"""The lean request handlers (``kit.routing.lean_handler``) answer exactly as FastAPI's own handlers.

The hot reads and the issuing routes skip FastAPI's per-request dependency
solving. Whatever a client sends them — parameters missing, repeated, empty,
out of range, of the wrong type, unknown, with or without credentials; bodies
of any shape, JSON or not, under any content type — the answer must be the one
FastAPI's handler gives, byte for byte: the same status, the same error code
naming the same field. The app falls back to FastAPI's handler on every route
while it has ``dependency_overrides``, which is how each request is answered
both ways here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from laurels.kit.routing import lean_handler
from laurels.kit.unit import UnitRoute
from tests.support import Tenant

BRAND = "Lean Brand"
CAPILLARY = "/api_gateway/rewards/core/v1/user/reward"
# The routes the lean handler serves: the reads clients make most, the issuing routes and the creates.
READS = {
    "/v1/rewards",
    "/v1/rewards/{rewardId}",
    "/loyalty/v1/rewards",
    "/loyalty/v1/rewards/{rewardId}",
    "/api_gateway/rewards/core/v1/reward/{rewardId}/brand/{brandId}",
    "/api_gateway/rewards/core/v1/user/reward/brand/{brandName}",
}
# Each names nothing that exists (or its body never validates), so no request here issues anything
# and both ways meet the same state.
WRITES = {
    "/v1/rewards": "/v1/rewards",
    "/api_gateway/rewards/core/v1/reward/create": "/api_gateway/rewards/core/v1/reward/create",
    "/v1/rewards/grant": "/v1/rewards/grant",
    "/v1/rewards/{rewardId}/purchase": "/v1/rewards/rew_none/purchase",
    "/v1/customers/{userId}/points/adjustments": "/v1/customers/lean-user/points/adjustments",
    "/v1/payout-schemes/{payoutSchemeId}/payouts": "/v1/payout-schemes/pos_none/payouts",
    f"{CAPILLARY}/{{rewardId}}/issue": f"{CAPILLARY}/9999999/issue",
}
LEAN = READS | set(WRITES) | {f"/loyalty{route}" for route in WRITES if route.startswith("/v1/")}
FIELDS = ["rewardId", "userId", "metadata", "paymentMode", "quantity", "amount", "reason", "mobile", "rewards", "x"]
# No value an amount would validate as: an adjustment never succeeds here.
FIELD_VALUES = st.sampled_from([None, "", "rew_none", "x", 1.5, -0.5, [], {}, {"a": 1}, [{"rewardId": 1}], "POINTS"])
JSON_BODIES = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), FIELD_VALUES, max_size=4),
    st.sampled_from([None, 1, "text", [], [1]]),
)
KEYS = [
    "limit",
    "cursor",
    "status",
    "rewardType",
    "userId",
    "language",
    "group",
    "label",
    "categoryId",
    "minPoints",
    "maxPoints",
    "page",
    "size",
    "unknown",
]
VALUES = ["", "0", "1", "2", "50", "101", "-1", "abc", "1.5", "1e3", "inf", "nan", "9" * 25, "true", "active", "en"]
IDS = ["1", "0", "-3", "abc", "9" * 25, "{reward}", "{rewardId}", "{brand}"]


def _never() -> None:  # pragma: no cover - only its presence in dependency_overrides matters
    """A dependency no route has: overriding it sends every request through FastAPI's own handler."""


@contextmanager
def _fastapi_handlers(app: FastAPI) -> Iterator[None]:
    app.dependency_overrides[_never] = _never
    try:
        yield
    finally:
        app.dependency_overrides.pop(_never)


def _answer_both_ways(app: FastAPI, tenant: Tenant, path: str, query: list[tuple[str, str]], **kwargs: Any) -> None:
    lean = tenant.get(path, params=query, **kwargs)
    with _fastapi_handlers(app):
        standard = tenant.get(path, params=query, **kwargs)
    assert (lean.status_code, lean.content) == (standard.status_code, standard.content), (path, query)
    assert lean.headers.get("content-type") == standard.headers.get("content-type")
    assert lean.status_code < 500, lean.text


@pytest.fixture
def seeded(tenant: Tenant) -> dict[str, str]:
    """A brand and a reward of it: the ids the paths are made of."""
    brand = tenant.data(tenant.post("/v1/brands", json={"name": BRAND}), 201)["brandId"]
    body = {"name": "Lean", "rewardType": "points", "config": {"amount": 5}, "brandId": brand}
    reward = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]
    return {"reward": str(reward["id"]), "rewardId": reward["rewardId"], "brand": str(brand)}


def test_the_hot_reads_take_the_lean_handler(app: FastAPI) -> None:
    routes = [r for r in app.routes if isinstance(r, UnitRoute)]
    lean = {r.path for r in routes if lean_handler(r, r.get_route_handler()) is not None}
    assert lean == LEAN


@given(
    where=st.sampled_from(sorted(READS)),
    ids=st.tuples(st.sampled_from(IDS), st.sampled_from(IDS)),
    query=st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES)), max_size=4),
    authenticated=st.booleans(),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_request_is_answered_as_fastapi_would(
    *,
    app: FastAPI,
    tenant: Tenant,
    seeded: dict[str, str],
    where: str,
    ids: tuple[str, str],
    query: list[tuple[str, str]],
    authenticated: bool,
) -> None:
    first, second = (i.format(**seeded) for i in ids)
    path = where.format(rewardId=first, brandId=second, brandName=BRAND if second == seeded["brand"] else second)
    headers = {} if authenticated else {"Authorization": "Bearer nobody.nothing"}
    _answer_both_ways(app, tenant, path, query, headers=headers)


def test_a_page_and_its_errors_as_fastapi_would(app: FastAPI, tenant: Tenant, seeded: dict[str, str]) -> None:
    for query in (
        [("limit", "1")],
        [("limit", "0")],
        [("limit", "x"), ("cursor", "?")],
        [("limit", "1"), ("limit", "x")],
    ):
        _answer_both_ways(app, tenant, "/v1/rewards", query)
    user_list = f"/api_gateway/rewards/core/v1/user/reward/brand/{BRAND}"
    for query in ([("userId", "u1")], [("size", "0"), ("page", "-1")], [("minPoints", "nan")], []):
        _answer_both_ways(app, tenant, user_list, query)


@given(
    route=st.sampled_from(sorted(WRITES)),
    body=JSON_BODIES,
    raw=st.sampled_from([None, b"", b"{", b"[]", b"{}"]),
    content_type=st.sampled_from(["application/json", "application/vnd.lean+json", "text/plain", None]),
    key=st.sampled_from([None, "", "k1", "x" * 300]),
    query=st.lists(st.tuples(st.sampled_from(["username", "skip_validation"]), st.sampled_from(VALUES)), max_size=2),
)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_write_is_refused_as_fastapi_would(
    *,
    app: FastAPI,
    tenant: Tenant,
    route: str,
    body: Any,
    raw: bytes | None,
    content_type: str | None,
    key: str | None,
    query: list[tuple[str, str]],
) -> None:
    """Bodies decoded or not, missing, of the wrong shape; Idempotency-Key present, empty, too long."""
    content = json.dumps(body).encode() if raw is None else raw
    headers = {} if content_type is None else {"Content-Type": content_type}
    if key is not None:
        headers["Idempotency-Key"] = key
    path = WRITES[route]
    lean = tenant.post(path, content=content, headers=headers, params=query)
    with _fastapi_handlers(app):
        standard = tenant.post(path, content=content, headers=headers, params=query)
    assert (lean.status_code, lean.content) == (standard.status_code, standard.content), (path, content, headers)
    assert 400 <= lean.status_code < 500, lean.text


def test_an_issue_through_the_lean_handler_is_answered_as_through_fastapi(app: FastAPI, tenant: Tenant) -> None:
    """A grant that issues: the same answer both ways, but for what is new each time."""
    reward = {"name": "Lean grant", "rewardType": "points", "config": {"amount": 5}}
    reward_id = tenant.data(tenant.post("/v1/rewards", json=reward), 201)["reward"]["rewardId"]
    lean = tenant.data(tenant.post("/v1/rewards/grant", json={"rewardId": reward_id, "userId": "u"}), 201)
    with _fastapi_handlers(app):
        standard = tenant.data(tenant.post("/v1/rewards/grant", json={"rewardId": reward_id, "userId": "u"}), 201)
    new_each_time = {"transactionId", "grantedAt", "balance"}
    assert {k: v for k, v in lean["result"].items() if k not in new_each_time} == {
        k: v for k, v in standard["result"].items() if k not in new_each_time
    }
    assert (lean["result"]["balance"], standard["result"]["balance"]) == (5, 10)
