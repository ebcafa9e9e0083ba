"""Brand names are unique in the org regardless of case, and every lookup by name ignores case."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx2

from tests.support import Tenant, error_of

USER = "/api_gateway/rewards/core/v1/user/reward"
CAP = "/api_gateway/rewards/core/v1"


def test_a_name_differing_only_in_case_is_taken(tenant: Tenant) -> None:
    acme = tenant.data(tenant.post("/v1/brands", json={"name": "Acme"}), 201)
    for taken in ("Acme", "ACME", "acme", "  aCmE  "):
        error = error_of(tenant.post("/v1/brands", json={"name": taken}), 409)
        assert error["code"] == "BRAND_EXISTS", taken
        assert error["field"] == "name"
    # The message names the brand that holds the name when it is spelled otherwise.
    assert "'Acme'" in error_of(tenant.post("/v1/brands", json={"name": "ACME"}), 409)["message"]
    assert tenant.data(tenant.get("/v1/brands")) == {"brands": [acme], "count": 1}


def test_case_is_folded_not_just_lowered(tenant: Tenant) -> None:
    # str.casefold, the catalog's rule: "ß" folds to "ss", so "STRASSE" is "Straße".
    tenant.data(tenant.post("/v1/brands", json={"name": "Straße"}), 201)
    assert error_of(tenant.post("/v1/brands", json={"name": "STRASSE"}), 409)["code"] == "BRAND_EXISTS"
    tenant.data(tenant.post("/v1/brands", json={"name": "Strase"}), 201)


def test_names_are_unique_per_org_only(tenant: Tenant, other_tenant: Tenant) -> None:
    tenant.data(tenant.post("/v1/brands", json={"name": "Shared"}), 201)
    other_tenant.data(other_tenant.post("/v1/brands", json={"name": "SHARED"}), 201)


def test_capillary_finds_a_brand_by_name_in_any_case(tenant: Tenant) -> None:
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "Coffee House"}), 201)
    body = {
        "startTime": "2023-01-01 00:00:00",
        "endTime": "2099-01-01 00:00:00",
        "type": "FREE_VOUCHER",
        "redemptionType": "PHYSICAL_REWARD",
        "languageSpecificInfo": [{"languageCode": "en", "name": "Espresso"}],
        "brandId": brand["brandId"],
    }
    response = tenant.post(f"{CAP}/reward/create", json=body)
    assert response.status_code == 200, response.text
    reward_id = response.json()["reward"]["id"]

    for spelled in ("Coffee House", "coffee house", "COFFEE HOUSE", "cOFFEE hOUSE"):
        listed = tenant.get(f"{USER}/brand/{spelled}")
        assert listed.status_code == 200, (spelled, listed.text)
        assert [r["id"] for r in listed.json()["rewards"]] == [reward_id], spelled
        one = tenant.get(f"{USER}/{reward_id}/brand/{spelled}")
        assert one.status_code == 200, (spelled, one.text)
        assert one.json()["reward"]["id"] == reward_id

    missing = tenant.get(f"{USER}/brand/Coffee Houses")
    assert missing.status_code == 404, missing.text
    assert missing.json()["status"]["message"] == "Brand not found: Coffee Houses"


def test_a_lookup_by_name_stays_in_the_org(tenant: Tenant, other_tenant: Tenant) -> None:
    other_tenant.data(other_tenant.post("/v1/brands", json={"name": "Theirs"}), 201)
    assert tenant.get(f"{USER}/brand/theirs").status_code == 404


def test_racing_creates_of_one_name_in_different_cases_make_one_brand(live_server: str, tenant: Tenant) -> None:
    writers = 8
    start = threading.Barrier(writers)
    spellings = ("Race Brand", "RACE BRAND", "race brand", "Race brand")

    def create(i: int) -> tuple[int, str | None]:
        with httpx2.Client(base_url=live_server, timeout=60) as http:
            http.get("/healthz")  # connect before the start line
            start.wait()
            response = http.post("/v1/brands", json={"name": spellings[i % len(spellings)]}, headers=tenant.headers)
            body = response.json()
            return response.status_code, None if body["success"] else body["error"]["code"]

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = sorted(pool.map(create, range(writers)))
    assert results == [(201, None)] + [(409, "BRAND_EXISTS")] * (writers - 1)
    assert tenant.data(tenant.get("/v1/brands"))["count"] == 1
