"""The native code pools API through HTTP: every route, every refusal."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from laurels.codepools import generation
from laurels.codepools.models import CodePool, CouponCode
from laurels.kit.db import Database
from tests.support import Tenant, error_of

POOL = {"name": "Summer coupons", "description": "20% off in July"}


def create(tenant: Tenant, body: dict[str, Any] | None = None, prefix: str = "/v1") -> dict[str, Any]:
    data = tenant.data(tenant.post(f"{prefix}/code-pools", json=body or POOL), 201)
    assert data["message"] == "Code pool created successfully"
    pool: dict[str, Any] = data["codePool"]
    return pool


def add(tenant: Tenant, pool_id: str, codes: list[Any]) -> dict[str, Any]:
    data: dict[str, Any] = tenant.data(tenant.post(f"/v1/code-pools/{pool_id}/codes", json={"codes": codes}))
    return data


def upload_csv(tenant: Tenant, pool_id: str, content: bytes) -> Any:
    files = {"file": ("codes.csv", content, "text/csv")}
    return tenant.post(f"/v1/code-pools/{pool_id}/codes/csv", files=files)


def all_codes(tenant: Tenant, pool_id: str, **params: Any) -> list[dict[str, Any]]:
    codes: list[dict[str, Any]] = tenant.data(tenant.get(f"/v1/code-pools/{pool_id}/codes", params=params))["codes"]
    return codes


def unique_coupon(pool_id: str) -> dict[str, Any]:
    return {"name": "x", "rewardType": "unique_coupon", "config": {"codePoolId": pool_id}}


# ---- pools ------------------------------------------------------------------


def test_create_with_generated_id_returns_the_pool_shape(tenant: Tenant) -> None:
    pool = create(tenant)
    assert re.fullmatch(r"pool_[0-9a-f-]{36}", pool["codePoolId"])
    assert pool["name"] == "Summer coupons"
    assert pool["description"] == "20% off in July"
    assert pool["available"] == 0
    assert pool["total"] == 0
    assert str(pool["createdAt"]).endswith("Z")
    assert len(str(pool["createdAt"])) == len("2025-10-01T10:00:00.000Z")
    assert pool["updatedAt"] == pool["createdAt"]
    assert set(pool) == {
        "codePoolId",
        "seriesId",
        "name",
        "description",
        "available",
        "total",
        "createdAt",
        "updatedAt",
    }
    assert isinstance(pool["seriesId"], int)
    assert tenant.data(tenant.get(f"/v1/code-pools/{pool['codePoolId']}")) == pool


def test_description_is_optional(tenant: Tenant) -> None:
    assert create(tenant, {"name": "Bare"})["description"] is None


def test_client_chosen_id_and_conflict(tenant: Tenant) -> None:
    pool = create(tenant, {**POOL, "codePoolId": "pool_summer"})
    assert pool["codePoolId"] == "pool_summer"
    error = error_of(tenant.post("/v1/code-pools", json={**POOL, "codePoolId": "pool_summer"}), 409)
    assert error == {
        "code": "CODE_POOL_ALREADY_EXISTS",
        "message": "Code pool with this ID already exists",
        "field": "codePoolId",
    }


@pytest.mark.parametrize("bad_id", ["", "has space", "12345", "x" * 65, "slash/id"])
def test_invalid_client_ids_are_refused(tenant: Tenant, bad_id: str) -> None:
    error = error_of(tenant.post("/v1/code-pools", json={**POOL, "codePoolId": bad_id}), 400)
    assert error["code"] == "INVALID_CODE_POOL_ID"
    assert error["field"] == "codePoolId"


def test_same_id_in_two_orgs_is_no_conflict(tenant: Tenant, other_tenant: Tenant) -> None:
    create(tenant, {**POOL, "codePoolId": "pool_shared"})
    create(other_tenant, {**POOL, "codePoolId": "pool_shared"})


@pytest.mark.parametrize("body", [{}, {"description": "d"}, {"name": None}])
def test_missing_name(tenant: Tenant, body: dict[str, Any]) -> None:
    error = error_of(tenant.post("/v1/code-pools", json=body), 400)
    assert error == {"code": "MISSING_REQUIRED_FIELDS", "message": "Missing required fields: name", "field": "name"}


def test_invalid_name_and_description(tenant: Tenant) -> None:
    error = error_of(tenant.post("/v1/code-pools", json={"name": "   "}), 400)
    assert (error["code"], error["field"]) == ("INVALID_NAME", "name")
    error = error_of(tenant.post("/v1/code-pools", json={"name": "x" * 256}), 400)
    assert error["field"] == "name"
    error = error_of(tenant.post("/v1/code-pools", json={"name": "x", "description": "d" * 4001}), 400)
    assert (error["code"], error["field"]) == ("INVALID_DESCRIPTION", "description")
    error = error_of(tenant.post("/v1/code-pools", json={"name": 5}), 400)
    assert (error["code"], error["field"]) == ("VALIDATION_ERROR", "name")


def test_get_unknown_pool_is_404(tenant: Tenant) -> None:
    error = error_of(tenant.get("/v1/code-pools/pool_nope"), 404)
    assert error == {"code": "CODE_POOL_NOT_FOUND", "message": "Code pool not found"}


def test_list_shows_counts_and_pages_with_a_cursor(tenant: Tenant) -> None:
    created = [create(tenant, {"name": f"P{i}"})["codePoolId"] for i in range(5)]
    add(tenant, created[1], ["A", "B", "C"])
    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = tenant.data(tenant.get("/v1/code-pools", params=params))
        assert page["count"] == len(page["codePools"])
        seen += page["codePools"]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert [p["codePoolId"] for p in seen] == created
    assert pages == 3
    assert [(p["available"], p["total"]) for p in seen] == [(0, 0), (3, 3), (0, 0), (0, 0), (0, 0)]
    whole = tenant.data(tenant.get("/v1/code-pools"))
    assert whole["count"] == 5
    assert whole["nextCursor"] is None


def test_list_refuses_bad_paging(tenant: Tenant) -> None:
    assert error_of(tenant.get("/v1/code-pools", params={"cursor": "garbage!"}), 400)["code"] == "INVALID_CURSOR"
    assert error_of(tenant.get("/v1/code-pools", params={"limit": 0}), 400)["field"] == "limit"
    assert error_of(tenant.get("/v1/code-pools", params={"limit": 501}), 400)["field"] == "limit"


def test_loyalty_prefix_serves_the_same_api(tenant: Tenant) -> None:
    pool = create(tenant, prefix="/loyalty/v1")
    add(tenant, pool["codePoolId"], ["L1"])
    fetched = tenant.data(tenant.get(f"/loyalty/v1/code-pools/{pool['codePoolId']}"))
    assert fetched["total"] == 1


def test_update_is_partial(tenant: Tenant) -> None:
    pool = create(tenant)
    add(tenant, pool["codePoolId"], ["A"])
    path = f"/v1/code-pools/{pool['codePoolId']}"
    updated = tenant.data(tenant.put(path, json={"name": "Autumn coupons"}))
    assert updated["name"] == "Autumn coupons"
    assert updated["description"] == "20% off in July"
    assert (updated["available"], updated["total"]) == (1, 1)
    assert updated["updatedAt"] >= pool["updatedAt"]
    assert updated["createdAt"] == pool["createdAt"]
    updated = tenant.data(tenant.put(path, json={"description": None}))
    assert updated["description"] is None
    assert updated["name"] == "Autumn coupons"
    assert tenant.data(tenant.get(path)) == updated
    # Nothing given, nothing changed.
    assert tenant.data(tenant.put(path, json={})) == updated


def test_update_refusals(tenant: Tenant) -> None:
    pool = create(tenant)
    path = f"/v1/code-pools/{pool['codePoolId']}"
    assert error_of(tenant.put(path, json={"name": None}), 400)["code"] == "INVALID_NAME"
    assert error_of(tenant.put(path, json={"name": ""}), 400)["code"] == "INVALID_NAME"
    error = error_of(tenant.put("/v1/code-pools/pool_nope", json={"name": "x"}), 404)
    assert error["code"] == "CODE_POOL_NOT_FOUND"


def _code_rows(db: Database, pool_pk: int) -> int:
    with db.session(write=False) as session:
        return int(session.scalar(select(func.count()).where(CouponCode.pool_id == pool_pk)) or 0)


def _pool_pk(db: Database, org_id: str, pool_id: str) -> int:
    with db.session(write=False) as session:
        pk = session.scalar(select(CodePool.id).where(CodePool.org_id == org_id, CodePool.code_pool_id == pool_id))
        assert pk is not None
        return pk


def test_delete_removes_the_pool_and_its_codes(tenant: Tenant, db: Database) -> None:
    pool = create(tenant)
    pool_id = pool["codePoolId"]
    add(tenant, pool_id, ["A", "B"])
    pk = _pool_pk(db, tenant.org_id, pool_id)
    assert _code_rows(db, pk) == 2
    data = tenant.data(tenant.delete(f"/v1/code-pools/{pool_id}"))
    assert data == {"message": "Code pool deleted successfully"}
    assert _code_rows(db, pk) == 0
    error_of(tenant.get(f"/v1/code-pools/{pool_id}"), 404)
    error = error_of(tenant.delete(f"/v1/code-pools/{pool_id}"), 404)
    assert error == {"code": "CODE_POOL_NOT_FOUND", "message": "Code pool not found"}


def test_delete_is_refused_while_a_reward_draws_from_the_pool(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    add(tenant, pool_id, ["A"])
    reward = tenant.data(tenant.post("/v1/rewards", json=unique_coupon(pool_id)), 201)["reward"]
    error = error_of(tenant.delete(f"/v1/code-pools/{pool_id}"), 409)
    assert error["code"] == "CODE_POOL_IN_USE"
    assert tenant.data(tenant.get(f"/v1/code-pools/{pool_id}"))["total"] == 1
    tenant.data(tenant.delete(f"/v1/rewards/{reward['rewardId']}"))
    tenant.data(tenant.delete(f"/v1/code-pools/{pool_id}"))


# ---- rewards that draw from a pool -------------------------------------------


def test_unique_coupon_reward_needs_a_pool_with_available_codes(tenant: Tenant, db: Database) -> None:
    pool_id = create(tenant)["codePoolId"]
    message = "codePoolId must reference an existing code pool with available codes"
    error = error_of(tenant.post("/v1/rewards", json=unique_coupon(pool_id)), 400)
    assert error["message"] == message
    assert error["code"] == "CODE_POOL_NOT_FOUND"
    assert error["field"] == "config.codePoolId"
    add(tenant, pool_id, ["ONLY-ONE"])
    reward = tenant.data(tenant.post("/v1/rewards", json=unique_coupon(pool_id)), 201)["reward"]
    assert reward["config"] == {"codePoolId": pool_id}
    # Once every code is issued the pool has none available again.
    _issue_all(db, _pool_pk(db, tenant.org_id, pool_id))
    error = error_of(tenant.post("/v1/rewards", json=unique_coupon(pool_id)), 400)
    assert error["message"] == message


def test_unique_coupon_reward_cannot_use_another_orgs_pool(tenant: Tenant, other_tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    add(tenant, pool_id, ["A"])
    error = error_of(other_tenant.post("/v1/rewards", json=unique_coupon(pool_id)), 400)
    assert error["code"] == "CODE_POOL_NOT_FOUND"


# ---- JSON upload ----------------------------------------------------------------


def test_json_upload_reports_duplicates_in_upload_order(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    first = add(tenant, pool_id, ["A1", "B2", "C3"])
    assert first == {"added": 3, "duplicates": [], "available": 3, "total": 3}
    second = add(tenant, pool_id, ["D4", "B2", "  D4 ", "E5", "A1", "D4", "e5"])
    # B2 and A1 are in the pool; D4 repeats twice after its first occurrence. Codes are case-sensitive.
    assert second == {"added": 3, "duplicates": ["B2", "D4", "A1", "D4"], "available": 6, "total": 6}
    codes = [c["code"] for c in all_codes(tenant, pool_id)]
    assert codes == ["A1", "B2", "C3", "D4", "E5", "e5"]


def test_json_upload_of_only_duplicates(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    add(tenant, pool_id, ["A"])
    assert add(tenant, pool_id, ["A", "A"]) == {"added": 0, "duplicates": ["A", "A"], "available": 1, "total": 1}


@pytest.mark.parametrize(
    ("codes", "field", "code"),
    [
        (["A", "B", "C", "   "], "codes[3]", "INVALID_CODE"),
        (["", "B"], "codes[0]", "INVALID_CODE"),
        (["A", 7], "codes[1]", "INVALID_CODE"),
        (["A", None], "codes[1]", "INVALID_CODE"),
        (["A", "x" * 129], "codes[1]", "INVALID_CODE"),
        (["A", "tab\tcode"], "codes[1]", "INVALID_CODE"),
        # NUL is refused for every string of every body, before the route (kit/guard.py).
        (["A", "bad\x00code"], "codes[1]", "INVALID_CHARACTERS"),
    ],
)
def test_invalid_code_names_its_index(tenant: Tenant, codes: list[Any], field: str, code: str) -> None:
    pool_id = create(tenant)["codePoolId"]
    error = error_of(tenant.post(f"/v1/code-pools/{pool_id}/codes", json={"codes": codes}), 400)
    assert error["code"] == code
    assert error["field"] == field
    assert error["message"].startswith(field)
    # The upload is all or nothing.
    assert tenant.data(tenant.get(f"/v1/code-pools/{pool_id}"))["total"] == 0


def test_codes_of_the_longest_length_are_kept_whole(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    add(tenant, pool_id, ["x" * 128])
    assert all_codes(tenant, pool_id)[0]["code"] == "x" * 128


def test_upload_size_limits(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    path = f"/v1/code-pools/{pool_id}/codes"
    error = error_of(tenant.post(path, json={"codes": []}), 400)
    assert (error["code"], error["field"]) == ("INVALID_CODES", "codes")
    error = error_of(tenant.post(path, json={"codes": [f"C{i}" for i in range(10_001)]}), 400)
    assert (error["code"], error["field"]) == ("INVALID_CODES", "codes")
    assert add(tenant, pool_id, [f"C{i}" for i in range(10_000)])["added"] == 10_000


def test_upload_body_refusals(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    path = f"/v1/code-pools/{pool_id}/codes"
    error = error_of(tenant.post(path, json={}), 400)
    assert error == {"code": "MISSING_REQUIRED_FIELDS", "message": "Missing required fields: codes", "field": "codes"}
    assert error_of(tenant.post(path, json={"codes": "A,B"}), 400)["field"] == "codes"
    error = error_of(tenant.post("/v1/code-pools/pool_nope/codes", json={"codes": ["A"]}), 404)
    assert error["code"] == "CODE_POOL_NOT_FOUND"


# ---- CSV upload ------------------------------------------------------------------


def test_csv_upload_skips_header_and_blank_rows_and_reports_duplicates(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    add(tenant, pool_id, ["EXISTING"])
    content = b"Code,note\r\nA1,first\r\n\r\n , \r\nB2\r\nEXISTING\r\nA1,again\r\n  C3  \r\n"
    data = tenant.data(upload_csv(tenant, pool_id, content))
    assert data == {"added": 3, "duplicates": ["EXISTING", "A1"], "available": 4, "total": 4}
    assert [c["code"] for c in all_codes(tenant, pool_id)] == ["EXISTING", "A1", "B2", "C3"]


def test_csv_without_header_and_with_a_bom(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    data = tenant.data(upload_csv(tenant, pool_id, "\ufeffÉTÉ-1\nÉTÉ-2\n".encode()))
    assert data["added"] == 2
    assert [c["code"] for c in all_codes(tenant, pool_id)] == ["ÉTÉ-1", "ÉTÉ-2"]
    # A BOM before a header still makes it a header.
    data = tenant.data(upload_csv(tenant, pool_id, "\ufeffcode\nX\n".encode()))
    assert data == {"added": 1, "duplicates": [], "available": 3, "total": 3}


def test_csv_quoted_cells(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    tenant.data(upload_csv(tenant, pool_id, b'"A,1",x\n"B ""2"""\n'))
    assert [c["code"] for c in all_codes(tenant, pool_id)] == ["A,1", 'B "2"']


def test_csv_refusals(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    error = error_of(upload_csv(tenant, pool_id, "code\nCAFÉ\n".encode("latin-1")), 400)
    assert (error["code"], error["field"]) == ("INVALID_CSV", "file")
    error = error_of(upload_csv(tenant, pool_id, b"code\n\n"), 400)
    assert (error["code"], error["field"]) == ("INVALID_CODES", "file")
    error = error_of(upload_csv(tenant, pool_id, b""), 400)
    assert error["code"] == "INVALID_CODES"
    error = error_of(upload_csv(tenant, pool_id, b"code\nA\n,orphan\n" + b"y" * 129 + b"\n"), 400)
    assert (error["code"], error["field"]) == ("INVALID_CODE", "file")
    assert "line 3" in error["message"]
    error = error_of(upload_csv(tenant, pool_id, b"".join(b"C%d\n" % i for i in range(10_001))), 400)
    assert error["code"] == "INVALID_CODES"
    error = error_of(upload_csv(tenant, pool_id, b"A\n" * (2 * 1024 * 1024 + 1)), 400)
    assert error["code"] == "INVALID_CSV"
    error = error_of(tenant.post(f"/v1/code-pools/{pool_id}/codes/csv"), 400)
    assert error == {"code": "MISSING_REQUIRED_FIELDS", "message": "Missing required fields: file", "field": "file"}
    assert tenant.data(tenant.get(f"/v1/code-pools/{pool_id}"))["total"] == 0
    error = error_of(upload_csv(tenant, "pool_nope", b"A\n"), 404)
    assert error["code"] == "CODE_POOL_NOT_FOUND"


# ---- generation -------------------------------------------------------------------


def test_generate_adds_exactly_count_codes(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    add(tenant, pool_id, ["MANUAL"])
    body = {"count": 250, "prefix": "SUM-", "length": 6}
    data = tenant.data(tenant.post(f"/v1/code-pools/{pool_id}/codes/generate", json=body))
    assert data == {"added": 250, "duplicates": [], "available": 251, "total": 251}
    codes = [c["code"] for c in all_codes(tenant, pool_id, limit=500)][1:]
    assert len(set(codes)) == 250
    assert all(re.fullmatch(rf"SUM-[{generation.ALPHABET}]{{6}}", c) for c in codes)


def test_generate_defaults(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    data = tenant.data(tenant.post(f"/v1/code-pools/{pool_id}/codes/generate", json={"count": 3}))
    assert data["added"] == 3
    assert all(re.fullmatch(rf"[{generation.ALPHABET}]{{10}}", c["code"]) for c in all_codes(tenant, pool_id))


def test_generate_draws_again_for_codes_already_in_the_pool(tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    pool_id = create(tenant)["codePoolId"]
    add(tenant, pool_id, ["P-AAAA"])
    draws: Iterator[list[str]] = iter([["AAAA", "BBBB"], ["AAAA"], ["CCCC"]])

    def fake_parts(count: int, length: int, random_bytes: object = None) -> list[str]:
        return next(draws)

    monkeypatch.setattr(generation, "random_parts", fake_parts)
    body = {"count": 2, "prefix": "P-", "length": 4}
    data = tenant.data(tenant.post(f"/v1/code-pools/{pool_id}/codes/generate", json=body))
    assert data == {"added": 2, "duplicates": [], "available": 3, "total": 3}
    assert [c["code"] for c in all_codes(tenant, pool_id)] == ["P-AAAA", "P-BBBB", "P-CCCC"]


def test_generate_refuses_a_code_space_too_small(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    path = f"/v1/code-pools/{pool_id}/codes/generate"
    # 32**4 = 1,048,576 leaves tenfold room for 104,857 codes.
    add(tenant, pool_id, [f"E{i}" for i in range(4_858)])
    error = error_of(tenant.post(path, json={"count": 100_000, "length": 4}), 400)
    assert (error["code"], error["field"]) == ("CODE_SPACE_TOO_SMALL", "length")
    assert tenant.data(tenant.get(f"/v1/code-pools/{pool_id}"))["total"] == 4_858


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 100_001}, "count"),
        ({"count": 1.5}, "count"),
        ({"count": 1, "length": 3}, "length"),
        ({"count": 1, "length": 65}, "length"),
        ({"count": 1, "prefix": "no spaces"}, "prefix"),
        ({"count": 1, "prefix": "P" * 33}, "prefix"),
    ],
)
def test_generate_refuses_bad_arguments(tenant: Tenant, body: dict[str, Any], field: str) -> None:
    pool_id = create(tenant)["codePoolId"]
    error = error_of(tenant.post(f"/v1/code-pools/{pool_id}/codes/generate", json=body), 400)
    assert (error["code"], error["field"]) == ("VALIDATION_ERROR", field)


def test_generate_needs_a_count_and_a_pool(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    error = error_of(tenant.post(f"/v1/code-pools/{pool_id}/codes/generate", json={"prefix": "X"}), 400)
    assert error == {"code": "MISSING_REQUIRED_FIELDS", "message": "Missing required fields: count", "field": "count"}
    error = error_of(tenant.post("/v1/code-pools/pool_nope/codes/generate", json={"count": 1}), 404)
    assert error["code"] == "CODE_POOL_NOT_FOUND"


# ---- listing codes ----------------------------------------------------------------


def _issue_all(db: Database, pool_pk: int, codes: list[str] | None = None) -> None:
    stmt = update(CouponCode).where(CouponCode.pool_id == pool_pk)
    if codes is not None:
        stmt = stmt.where(CouponCode.code.in_(codes))
    with db.unit_of_work() as session:
        session.execute(stmt.values(status="issued", issued_at=datetime(2025, 10, 1, 10, tzinfo=UTC)))


def test_list_codes_filters_by_status_and_pages(tenant: Tenant, db: Database) -> None:
    pool_id = create(tenant)["codePoolId"]
    add(tenant, pool_id, ["A", "B", "C", "D", "E"])
    _issue_all(db, _pool_pk(db, tenant.org_id, pool_id), ["B", "D"])
    path = f"/v1/code-pools/{pool_id}/codes"
    codes = all_codes(tenant, pool_id)
    assert [(c["code"], c["status"]) for c in codes] == [
        ("A", "available"),
        ("B", "issued"),
        ("C", "available"),
        ("D", "issued"),
        ("E", "available"),
    ]
    assert codes[0]["issuedAt"] is None
    assert codes[1]["issuedAt"] == "2025-10-01T10:00:00.000Z"
    assert str(codes[0]["createdAt"]).endswith("Z")
    assert [c["code"] for c in all_codes(tenant, pool_id, status="issued")] == ["B", "D"]
    assert [c["code"] for c in all_codes(tenant, pool_id, status="available")] == ["A", "C", "E"]
    pool = tenant.data(tenant.get(f"/v1/code-pools/{pool_id}"))
    assert (pool["available"], pool["total"]) == (3, 5)

    first = tenant.data(tenant.get(path, params={"status": "available", "limit": 2}))
    assert [c["code"] for c in first["codes"]] == ["A", "C"]
    assert first["count"] == 2
    second = tenant.data(tenant.get(path, params={"status": "available", "limit": 2, "cursor": first["nextCursor"]}))
    assert [c["code"] for c in second["codes"]] == ["E"]
    assert second["nextCursor"] is None


def test_list_codes_refusals(tenant: Tenant) -> None:
    pool_id = create(tenant)["codePoolId"]
    path = f"/v1/code-pools/{pool_id}/codes"
    error = error_of(tenant.get(path, params={"status": "used"}), 400)
    assert error == {
        "code": "INVALID_STATUS",
        "message": "status must be one of: available, issued, redeemed, void",
        "field": "status",
    }
    assert error_of(tenant.get(path, params={"cursor": "garbage!"}), 400)["code"] == "INVALID_CURSOR"
    assert error_of(tenant.get(path, params={"limit": 501}), 400)["field"] == "limit"
    assert error_of(tenant.get("/v1/code-pools/pool_nope/codes"), 404)["code"] == "CODE_POOL_NOT_FOUND"


# ---- tenancy and scopes -----------------------------------------------------------


def _every_pool_route(pool_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    base = f"/v1/code-pools/{pool_id}"
    yield "GET", base, {}
    yield "PUT", base, {"json": {"name": "stolen"}}
    yield "DELETE", base, {}
    yield "GET", f"{base}/codes", {}
    yield "POST", f"{base}/codes", {"json": {"codes": ["X"]}}
    yield "POST", f"{base}/codes/csv", {"files": {"file": ("c.csv", b"X\n", "text/csv")}}
    yield "POST", f"{base}/codes/generate", {"json": {"count": 1}}


def test_another_org_gets_404_on_every_pool_route(tenant: Tenant, other_tenant: Tenant) -> None:
    pool = create(tenant, {**POOL, "codePoolId": "pool_private"})
    add(tenant, "pool_private", ["SECRET"])
    for method, path, kwargs in _every_pool_route("pool_private"):
        error = error_of(other_tenant.request(method, path, **kwargs), 404)
        assert error["code"] == "CODE_POOL_NOT_FOUND", (method, path)
    assert other_tenant.data(other_tenant.get("/v1/code-pools"))["codePools"] == []
    after = tenant.data(tenant.get("/v1/code-pools/pool_private"))
    assert after == {**pool, "available": 1, "total": 1}
    assert [c["code"] for c in all_codes(tenant, "pool_private")] == ["SECRET"]


def test_read_scope_reads_but_cannot_write(tenant_factory: Callable[..., Tenant]) -> None:
    reader = tenant_factory(scopes=["rewards:read"])
    error = error_of(reader.post("/v1/code-pools", json=POOL), 403)
    assert error["code"] == "INSUFFICIENT_SCOPE"
    assert reader.data(reader.get("/v1/code-pools"))["codePools"] == []
    for method, path, kwargs in _every_pool_route("pool_any"):
        if method != "GET":
            assert error_of(reader.request(method, path, **kwargs), 403)["code"] == "INSUFFICIENT_SCOPE"
