"""Products through HTTP: CRUD, refusals, and what product rewards need of them."""

from __future__ import annotations

from tests.support import Tenant, error_of


def test_product_crud(tenant: Tenant) -> None:
    created = tenant.data(
        tenant.post("/v1/products", json={"productId": "prod_vip_badge_001", "sku": "VIP-1", "name": "VIP Badge"}), 201
    )
    assert created["message"] == "Product created successfully"
    product = created["product"]
    assert product["productId"] == "prod_vip_badge_001"
    assert product["stock"] is None
    assert tenant.data(tenant.get("/v1/products/prod_vip_badge_001")) == product

    updated = tenant.data(tenant.put("/v1/products/prod_vip_badge_001", json={"stock": 25, "name": "VIP"}))
    assert updated["stock"] == 25
    assert updated["name"] == "VIP"
    assert updated["sku"] == "VIP-1"

    listed = tenant.data(tenant.get("/v1/products"))
    assert [p["productId"] for p in listed["products"]] == ["prod_vip_badge_001"]
    assert listed["count"] == 1
    assert listed["nextCursor"] is None

    deleted = tenant.data(tenant.delete("/v1/products/prod_vip_badge_001"))
    assert deleted == {"message": "Product deleted successfully"}
    error_of(tenant.get("/v1/products/prod_vip_badge_001"), 404)


def test_generated_id_and_pagination(tenant: Tenant) -> None:
    ids = [
        tenant.data(tenant.post("/v1/products", json={"sku": f"S{i}", "name": "n"}), 201)["product"]["productId"]
        for i in range(3)
    ]
    assert all(i.startswith("prod_") for i in ids)
    first = tenant.data(tenant.get("/v1/products", params={"limit": 2}))
    second = tenant.data(tenant.get("/v1/products", params={"limit": 2, "cursor": first["nextCursor"]}))
    assert [p["productId"] for p in first["products"] + second["products"]] == ids
    assert second["nextCursor"] is None


def test_product_refusals(tenant: Tenant) -> None:
    error = error_of(tenant.post("/v1/products", json={}), 400)
    assert error["message"] == "Missing required fields: sku, name"
    tenant.data(tenant.post("/v1/products", json={"productId": "p1", "sku": "A", "name": "n"}), 201)
    error = error_of(tenant.post("/v1/products", json={"productId": "p1", "sku": "B", "name": "n"}), 409)
    assert error["code"] == "PRODUCT_ALREADY_EXISTS"
    error = error_of(tenant.post("/v1/products", json={"sku": "A", "name": "n"}), 409)
    assert error["code"] == "SKU_TAKEN"
    assert error["field"] == "sku"
    tenant.data(tenant.post("/v1/products", json={"productId": "p2", "sku": "B", "name": "n"}), 201)
    error = error_of(tenant.put("/v1/products/p2", json={"sku": "A"}), 409)
    assert error["code"] == "SKU_TAKEN"
    error = error_of(tenant.put("/v1/products/p2", json={"stock": -1}), 400)
    assert error["field"] == "stock"
    error = error_of(tenant.put("/v1/products/p2", json={"name": ""}), 400)
    assert error["field"] == "name"
    error = error_of(tenant.get("/v1/products/nope"), 404)
    assert error == {"code": "PRODUCT_NOT_FOUND", "message": "Product not found"}
    error_of(tenant.put("/v1/products/nope", json={"name": "x"}), 404)
    error_of(tenant.delete("/v1/products/nope"), 404)


def test_product_reward_needs_the_product_and_holds_it(tenant: Tenant) -> None:
    tenant.data(tenant.post("/v1/products", json={"productId": "prod_badge", "sku": "BADGE", "name": "Badge"}), 201)
    body = {"name": "Achievement Badge", "rewardType": "product", "config": {"productId": "prod_badge"}}
    reward = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]
    assert reward["config"] == {"productId": "prod_badge", "quantity": 1}
    error = error_of(tenant.delete("/v1/products/prod_badge"), 409)
    assert error["code"] == "PRODUCT_IN_USE"
    error = error_of(tenant.put(f"/v1/rewards/{reward['rewardId']}", json={"config": {"productId": "prod_gone"}}), 400)
    assert error["message"] == "productId must reference an existing product"
    error = error_of(
        tenant.post("/v1/rewards", json={**body, "config": {"productId": "prod_badge", "quantity": 0}}), 400
    )
    assert error["message"] == "Config for product reward: quantity must be a positive whole number"
    tenant.data(tenant.delete(f"/v1/rewards/{reward['rewardId']}"))
    tenant.data(tenant.delete("/v1/products/prod_badge"))
