"""Competitions through HTTP: CRUD, refusals, and competition_entry rewards."""

from __future__ import annotations

from tests.support import Tenant, error_of


def test_competition_crud(tenant: Tenant) -> None:
    body = {
        "competitionId": "comp_grand_prize_2025",
        "name": "Grand Prize",
        "startsAt": "2025-01-01T00:00:00Z",
        "endsAt": "2025-12-31T23:59:59+00:00",
    }
    created = tenant.data(tenant.post("/v1/competitions", json=body), 201)
    assert created["message"] == "Competition created successfully"
    competition = created["competition"]
    assert competition["startsAt"] == "2025-01-01T00:00:00.000Z"
    assert competition["endsAt"] == "2025-12-31T23:59:59.000Z"
    assert tenant.data(tenant.get("/v1/competitions/comp_grand_prize_2025")) == competition

    updated = tenant.data(tenant.put("/v1/competitions/comp_grand_prize_2025", json={"endsAt": None, "name": "GP"}))
    assert updated["endsAt"] is None
    assert updated["name"] == "GP"
    assert updated["startsAt"] == competition["startsAt"]

    listed = tenant.data(tenant.get("/v1/competitions"))
    assert [c["competitionId"] for c in listed["competitions"]] == ["comp_grand_prize_2025"]

    assert tenant.data(tenant.delete("/v1/competitions/comp_grand_prize_2025")) == {
        "message": "Competition deleted successfully"
    }
    error_of(tenant.get("/v1/competitions/comp_grand_prize_2025"), 404)


def test_competition_refusals(tenant: Tenant) -> None:
    error = error_of(tenant.post("/v1/competitions", json={}), 400)
    assert error["message"] == "Missing required fields: name"
    error = error_of(
        tenant.post(
            "/v1/competitions", json={"name": "x", "startsAt": "2025-02-01T00:00:00Z", "endsAt": "2025-01-01T00:00:00Z"}
        ),
        400,
    )
    assert error["field"] == "endsAt"
    error = error_of(tenant.post("/v1/competitions", json={"name": "x", "startsAt": "yesterday"}), 400)
    assert error["field"] == "startsAt"
    tenant.data(tenant.post("/v1/competitions", json={"competitionId": "c1", "name": "x"}), 201)
    error = error_of(tenant.post("/v1/competitions", json={"competitionId": "c1", "name": "x"}), 409)
    assert error["code"] == "COMPETITION_ALREADY_EXISTS"
    error = error_of(tenant.get("/v1/competitions/nope"), 404)
    assert error["code"] == "COMPETITION_NOT_FOUND"
    error_of(tenant.put("/v1/competitions/nope", json={}), 404)
    error_of(tenant.delete("/v1/competitions/nope"), 404)


def test_competition_entry_reward(tenant: Tenant) -> None:
    tenant.data(tenant.post("/v1/competitions", json={"competitionId": "comp_gp", "name": "GP"}), 201)
    body = {
        "name": "Grand Prize Entries",
        "rewardType": "competition_entry",
        "config": {"competitionId": "comp_gp", "entries": 5},
    }
    reward = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]
    assert reward["config"] == {"competitionId": "comp_gp", "entries": 5}
    error = error_of(tenant.delete("/v1/competitions/comp_gp"), 409)
    assert error["code"] == "COMPETITION_IN_USE"
    error = error_of(
        tenant.post("/v1/rewards", json={**body, "config": {"competitionId": "comp_gp", "entries": 1.5}}), 400
    )
    assert error["message"] == "Config for competition_entry reward: entries must be a positive whole number"
