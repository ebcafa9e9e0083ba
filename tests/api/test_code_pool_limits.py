"""The per-request maximums of the code routes: the maximum is taken whole, one more is a 400 naming
the field, nothing of a refused request is stored, and OpenAPI declares each maximum."""

from __future__ import annotations

from typing import Any

import pytest

from laurels.codepools.generation import COUNT_MAX
from laurels.codepools.models import CSV_MAX_BYTES, UPLOAD_MAX
from tests.support import Tenant, error_of


def _pool(tenant: Tenant) -> str:
    pool_id: str = tenant.data(tenant.post("/v1/code-pools", json={"name": "Limits"}), 201)["codePool"]["codePoolId"]
    return pool_id


def _totals(tenant: Tenant, pool_id: str) -> tuple[int, int]:
    pool = tenant.data(tenant.get(f"/v1/code-pools/{pool_id}"))
    return pool["available"], pool["total"]


def _csv(tenant: Tenant, pool_id: str, content: bytes) -> Any:
    return tenant.post(f"/v1/code-pools/{pool_id}/codes/csv", files={"file": ("codes.csv", content, "text/csv")})


def test_the_documented_maximums() -> None:
    assert COUNT_MAX == 100_000
    assert UPLOAD_MAX == 10_000
    assert CSV_MAX_BYTES == 4 * 1024 * 1024


def test_generate_takes_the_maximum_in_one_request(tenant: Tenant) -> None:
    pool_id = _pool(tenant)
    data = tenant.data(tenant.post(f"/v1/code-pools/{pool_id}/codes/generate", json={"count": COUNT_MAX}))
    assert data == {"added": COUNT_MAX, "duplicates": [], "available": COUNT_MAX, "total": COUNT_MAX}
    assert _totals(tenant, pool_id) == (COUNT_MAX, COUNT_MAX)


@pytest.mark.parametrize("count", [COUNT_MAX + 1, 10**6, 2**31, 2**63, 10**30])
def test_generate_over_the_maximum_is_refused_naming_count(tenant: Tenant, count: int) -> None:
    pool_id = _pool(tenant)
    error = error_of(tenant.post(f"/v1/code-pools/{pool_id}/codes/generate", json={"count": count}), 400)
    assert (error["code"], error["field"]) == ("VALIDATION_ERROR", "count")
    assert error["message"].startswith("count")
    assert _totals(tenant, pool_id) == (0, 0)


def test_json_upload_takes_the_maximum_and_refuses_one_more(tenant: Tenant) -> None:
    pool_id = _pool(tenant)
    path = f"/v1/code-pools/{pool_id}/codes"
    error = error_of(tenant.post(path, json={"codes": [f"C{i}" for i in range(UPLOAD_MAX + 1)]}), 400)
    assert error == {
        "code": "INVALID_CODES",
        "message": f"codes must list 1 to {UPLOAD_MAX} codes",
        "field": "codes",
    }
    assert _totals(tenant, pool_id) == (0, 0)
    data = tenant.data(tenant.post(path, json={"codes": [f"C{i}" for i in range(UPLOAD_MAX)]}))
    assert data == {"added": UPLOAD_MAX, "duplicates": [], "available": UPLOAD_MAX, "total": UPLOAD_MAX}


def test_json_upload_of_the_maximum_all_duplicates_reports_every_one(tenant: Tenant) -> None:
    pool_id = _pool(tenant)
    codes = [f"D{i}" for i in range(UPLOAD_MAX)]
    tenant.data(tenant.post(f"/v1/code-pools/{pool_id}/codes", json={"codes": codes}))
    data = tenant.data(tenant.post(f"/v1/code-pools/{pool_id}/codes", json={"codes": codes}))
    assert data == {"added": 0, "duplicates": codes, "available": UPLOAD_MAX, "total": UPLOAD_MAX}


def test_csv_upload_takes_the_maximum_and_refuses_one_more(tenant: Tenant) -> None:
    pool_id = _pool(tenant)
    over = b"code\n" + b"".join(b"C%d\n" % i for i in range(UPLOAD_MAX + 1))
    error = error_of(_csv(tenant, pool_id, over), 400)
    assert error == {
        "code": "INVALID_CODES",
        "message": f"The CSV file must list 1 to {UPLOAD_MAX} codes",
        "field": "file",
    }
    assert _totals(tenant, pool_id) == (0, 0)
    data = tenant.data(_csv(tenant, pool_id, b"code\n" + b"".join(b"C%d\n" % i for i in range(UPLOAD_MAX))))
    assert data == {"added": UPLOAD_MAX, "duplicates": [], "available": UPLOAD_MAX, "total": UPLOAD_MAX}


def test_csv_over_the_size_limit_is_refused_naming_the_file(tenant: Tenant) -> None:
    pool_id = _pool(tenant)
    # Few codes, but more bytes than a file may have: the size decides.
    content = b"code\nA," + b"x" * CSV_MAX_BYTES + b"\n"
    error = error_of(_csv(tenant, pool_id, content), 400)
    assert (error["code"], error["field"]) == ("INVALID_CSV", "file")
    assert _totals(tenant, pool_id) == (0, 0)


def test_openapi_declares_the_maximums(tenant: Tenant) -> None:
    schemas = tenant.client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["CodesGenerate"]["properties"]["count"]["maximum"] == COUNT_MAX
    codes = schemas["CodesAdd"]["properties"]["codes"]
    assert codes["maxItems"] == UPLOAD_MAX
