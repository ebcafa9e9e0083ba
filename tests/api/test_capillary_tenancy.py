"""Tenancy on the Capillary surface: another org's key finds nothing of this org's."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from tests.api.test_capillary import BASE_PHYSICAL, CAP, cap_create
from tests.support import Tenant, api_routes

PARAM = re.compile(r"\{(\w+)\}")


def test_every_capillary_route_keeps_orgs_apart(app: FastAPI, tenant: Tenant, other_tenant: Tenant) -> None:
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "Mine"}), 201)["brandId"]
    other_tenant.data(other_tenant.post("/v1/brands", json={"name": "Mine"}), 201)
    reward = cap_create(tenant, {**BASE_PHYSICAL, "startTime": "2020-01-01 00:00:00", "brandId": brand})
    customer = tenant.data(tenant.put("/v1/customers/mine", json={"mobile": "15550001111"}), 201)
    granted = tenant.post("/v1/rewards/grant", json={"rewardId": reward["id"], "userId": "mine"})
    issued = tenant.data(tenant.get(f"/v1/issuances/{tenant.data(granted, 201)['result']['transactionId']}"))
    issuals = tenant.get(f"{CAP}/management/customer/{customer['id']}/issuals").json()["rewardIssueTransactions"]
    assert [i["rewardIssueRefId"] for i in issuals] == [issued["transactionId"]]
    params = {
        "rewardId": str(reward["id"]),
        "brandId": str(brand),
        "brandName": "Mine",
        "customerId": str(customer["id"]),
        "rewardTransactionId": issuals[0]["rewardTransactionId"],
    }
    issue = {"mobile": "15550001111", "brand": "Mine", "transactionNumber": "SWEEP-1"}
    routes = [(m, p) for m, p, _ in api_routes(app) if p.startswith("/api_gateway/")]
    assert len(routes) >= 7
    for method, path in routes:
        concrete = PARAM.sub(lambda m: params[m.group(1)], path)
        kwargs: dict[str, Any] = {"json": {**BASE_PHYSICAL, "brandId": brand}} if method in ("POST", "PUT") else {}
        if path.endswith("/issue"):
            kwargs = {"json": issue}  # names this org's customer, whom the other org does not have
        response = other_tenant.request(method, concrete, **kwargs)
        body = response.json()
        if path.endswith("/reward/create"):
            # Creating names a brand: this org's brand id is not the other org's.
            assert response.status_code == 400, body
            assert body["status"]["message"].startswith("Brand not found"), body
        elif "rewards" in body:
            assert response.status_code == 200, (path, body)
            assert body["rewards"] == [], (path, body)
        else:
            assert response.status_code == 404, (method, path, body)
    after = tenant.get(f"{CAP}/reward/{reward['id']}/brand/{brand}").json()["reward"]
    assert after == {**reward, "state": after["state"]}
