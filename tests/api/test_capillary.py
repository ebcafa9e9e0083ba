"""The Capillary dialect through HTTP: seed 003's examples, its rules and codes, seeds 001 and 002."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from laurels.kit.clock import frozen_at
from tests.api.seed003 import World, create_examples, update_examples
from tests.support import Tenant

CAP = "/api_gateway/rewards/core/v1"
# Every example dates from 2024-2030; at this moment all of them lie ahead,
# as they did when the vendor wrote them ("cycleStartDate must be in the future").
EXAMPLES_NOW = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def at_example_time() -> Iterator[None]:
    with frozen_at(EXAMPLES_NOW):
        yield


def created(tenant: Tenant, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    data = tenant.data(tenant.post(path, json=body), 201)
    result: dict[str, Any] = data[key]
    return result


def build_world(tenant: Tenant) -> World:
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "Acme"}), 201)["brandId"]
    series = {}
    for vendor_series in ("301233", "73684275", "1135336", "1137472", "849480", "350219"):
        pool = created(tenant, "/v1/code-pools", {"name": f"series {vendor_series}"}, "codePool")
        tenant.data(tenant.post(f"/v1/code-pools/{pool['codePoolId']}/codes", json={"codes": ["A", "B"]}))
        series[vendor_series] = str(pool["seriesId"])
    categories = {n: created(tenant, "/v1/categories", {"name": f"cat {n}"}, "category")["id"] for n in (4, 5, 11, 486)}
    labels = {n: created(tenant, "/v1/labels", {"name": f"label {n}"}, "label")["id"] for n in (12751, 5462)}
    for code in ("26NOV2024TRYLEN17", "26NOV2024TRYLEN18"):
        created(tenant, "/v1/card-series", {"code": code, "name": code}, "cardSeries")
    for name in ("CF1", "mandatory - CF1", "non_mandatory-CF4"):
        created(tenant, "/v1/custom-fields", {"name": name, "scope": "reward"}, "customField")
    segment = created(tenant, "/v1/segments", {"name": "seg", "partitions": [{"name": "p1"}]}, "segment")
    programs = {}
    partner = 0
    for n in (469, 690):
        program = created(
            tenant,
            "/v1/loyalty-programs",
            {"name": f"program {n}", "tiers": [{"name": "SILVER"}], "partnerPrograms": [{"name": "partner"}]},
            "loyaltyProgram",
        )
        programs[n] = program["id"]
        if n == 469:
            partner = program["partnerPrograms"][0]["id"]
    return World(
        brand=brand,
        series=series,
        categories=categories,
        labels=labels,
        segment=segment["id"],
        partition=segment["partitions"][0]["id"],
        programs=programs,
        partner_program=partner,
    )


def cap_create(tenant: Tenant, body: dict[str, Any]) -> dict[str, Any]:
    response = tenant.post(f"{CAP}/reward/create", json=body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["status"] == {"success": True, "code": 6002, "message": "Reward created successfully"}
    reward: dict[str, Any] = payload["reward"]
    return reward


def cap_error(response: Any, http_status: int, code: int) -> str:
    assert response.status_code == http_status, response.text
    status = response.json()["status"]
    assert status["success"] is False
    assert status["code"] == code, status
    assert status["reason"], status  # Laurels' stable code beside Capillary's numeric one
    message: str = status["message"]
    return message


BASE_PHYSICAL: dict[str, Any] = {
    "startTime": "2024-06-01 00:00:00",
    "endTime": "2030-01-01 00:00:00",
    "type": "FREE_VOUCHER",
    "redemptionType": "PHYSICAL_REWARD",
    "languageSpecificInfo": [{"languageCode": "en", "name": "Base"}],
}


@pytest.mark.usefixtures("at_example_time")
def test_every_create_example_of_seed_003_is_accepted(tenant: Tenant) -> None:
    world = build_world(tenant)
    for name, body in create_examples(world).items():
        response = tenant.post(f"{CAP}/reward/create", json=body)
        assert response.status_code == 200, (name, response.text)
        reward = response.json()["reward"]
        fetched = tenant.get(f"{CAP}/reward/{reward['id']}/brand/{world.brand}").json()
        assert fetched["status"] == {"success": True, "code": 6001, "message": "Reward fetched successfully"}
        assert fetched["reward"]["type"] == body["type"], name
        assert fetched["reward"]["redemptionType"] == body["redemptionType"], name
        # One model: the native API reads the same reward.
        native = tenant.data(tenant.get(f"/v1/rewards/{reward['id']}"))
        assert native["id"] == reward["id"]
        assert native["languageSpecificInfo"][0]["languageCode"] == body["languageSpecificInfo"][0]["languageCode"]


@pytest.mark.usefixtures("at_example_time")
def test_every_update_example_of_seed_003_is_accepted(tenant: Tenant) -> None:
    world = build_world(tenant)
    for name, body in update_examples(world).items():
        base = cap_create(tenant, {**BASE_PHYSICAL, "brandId": world.brand})
        response = tenant.put(f"{CAP}/reward/{base['id']}/brand/{world.brand}", json=body)
        assert response.status_code == 200, (name, response.text)
        assert response.json() == {
            "status": {"success": True, "code": 6006, "message": "Reward updated successfully"},
            "reward": {"id": base["id"]},
        }
        after = tenant.get(f"{CAP}/reward/{base['id']}/brand/{world.brand}").json()["reward"]
        assert after["redemptionType"] == body["redemptionType"], name
        assert after["languageSpecificInfo"][0]["name"] == body["languageSpecificInfo"][0]["name"], name


@pytest.mark.usefixtures("at_example_time")
def test_example_fields_are_stored_and_returned(tenant: Tenant) -> None:
    world = build_world(tenant)
    examples = create_examples(world)
    reward = cap_create(tenant, examples["testreward1poitu"])
    assert reward["startDate"] == "2025-09-26 20:00:00"
    assert reward["endDate"] == "2026-10-31 11:59:30"
    assert reward["rewardRank"] == 1
    assert reward["intouchPoints"] == 500
    assert reward["paymentConfigs"] == [{"paymentMode": "POINTS", "points": 100, "id": 1}]
    assert reward["restrictions"]["customerLevel"][0] == {
        "kpi": "QUANTITY",
        "windowType": "FIXED",
        "repeatFrequencyType": "DAYS",
        "limit": 10,
        "interval": 30,
        "weekStartDay": None,
        "startOfCycle": None,
    }
    assert reward["supplementaryCriteriaRO"][0]["partnerProgramIds"] == [world.partner_program]
    assert reward["customFields"] == {"CF1": "Custom field 1"}
    assert reward["geography"] == [{"countryId": 1}]
    assert reward["state"] == "UPCOMING"
    assert reward["name"] == "testreward1"  # languageSpecificInfo wins over the top-level name
    assert reward["createdBy"] == tenant.key_id
    revenue = cap_create(tenant, examples["revenue-meta"])
    assert revenue["rewardRevenueDefaults"][1] == {"commissionParticipant": "END_CUSTOMER", "defaultValue": 1.3}
    media = cap_create(tenant, examples["cart-promotion-with-media"])
    assert len(media["languageSpecificInfo"][0]["images"]) == 3
    assert media["owners"] == [{"ownerType": "LOYALTY_PROGRAM", "ownerId": "123"}]
    # A pool-backed INTOUCH_REWARD is a unique_coupon in seed 004's words.
    native = tenant.data(tenant.get(f"/v1/rewards/{reward['id']}"))
    assert native["rewardType"] == "unique_coupon"
    assert native["intouchSeriesId"] == world.series["301233"]
    # A MILES reward has no seed 004 word: null.
    miles = cap_create(tenant, examples["testcreate1-miles"])
    assert tenant.data(tenant.get(f"/v1/rewards/{miles['id']}"))["rewardType"] is None


# ---- refusals: every rule of seed 003, with its code and message ------------------


@pytest.fixture
def world(tenant: Tenant, at_example_time: None) -> World:
    return build_world(tenant)


def base(world: World, **overrides: Any) -> dict[str, Any]:
    return {**BASE_PHYSICAL, "brandId": world.brand, **overrides}


def test_missing_required_fields(tenant: Tenant) -> None:
    message = cap_error(tenant.post(f"{CAP}/reward/create", json={}), 400, 400)
    assert message == "Missing required fields: type, redemptionType, startTime, endTime, languageSpecificInfo, brandId"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"paymentConfigs": [{"paymentMode": "FREE"}, {"paymentMode": "POINTS", "points": 5}]},
            "Multiple payments is not supported within FREE and CONV_RATIO modes",
        ),
        (
            {
                "redemptionType": "VOUCHER",
                "paymentConfigs": [
                    {"paymentMode": "CONV_RATIO", "conversionRatio": 0.3},
                    {"paymentMode": "CASH", "cash": 5},
                ],
            },
            "Multiple payments is not supported within FREE and CONV_RATIO modes,Conversion ratio can be set only for "
            "CHARITY, MILES, CASH_WALLET, SWEEPSTAKES, AUCTION, GIFT_CARD, PHYSICAL_REWARD content types",
        ),
        (
            {"paymentConfigs": [{"paymentMode": "CASH", "cash": 5}, {"paymentMode": "CASH", "cash": 6}]},
            "The same payment method cannot be used twice: CASH",
        ),
        ({"redemptionType": "MILES"}, "Payment config is mandatory for MILES redemption type"),
        ({"redemptionType": "INTOUCH_REWARD"}, "intouchSeriesId is mandatory for INTOUCH_REWARD"),
        ({"redemptionType": "CART_PROMOTION"}, "intouchSeriesId is mandatory for CART_PROMOTION"),
        (
            {"redemptionType": "INTOUCH_REWARD", "intouchSeriesId": "abc"},
            "intouchSeriesId must be numeric for INTOUCH_REWARD",
        ),
        (
            {"redemptionType": "VENDOR_INTOUCH_REWARD", "intouchSeriesId": "1"},
            "vendorRedemption is mandatory for VENDOR_INTOUCH_REWARD",
        ),
        (
            {"intouchSeriesId": "12"},
            "intouchSeriesId must be null for PHYSICAL_REWARD, which an external vendor handles",
        ),
        (
            {"redemptionType": "CART_PROMOTION", "intouchSeriesId": "x1", "vendorRedemption": "v"},
            "vendorRedemption must be null for CART_PROMOTION, which does not support the vendor flow",
        ),
        ({"tier": "T" * 256}, "tier must be at most 255 characters"),
        (
            {"languageSpecificInfo": [{"languageCode": "en", "name": "a"}, {"languageCode": "EN", "name": "b"}]},
            "languageCode EN appears more than once; language codes must be unique",
        ),
        (
            {"languageSpecificInfo": [{"languageCode": "en", "name": "a", "images": [{"name": "i"}] * 11}]},
            "languageSpecificInfo[0].images allows at most 10 entries",
        ),
        (
            {"languageSpecificInfo": [{"languageCode": "en", "name": "a", "videos": [{"name": "v"}] * 11}]},
            "languageSpecificInfo[0].videos allows at most 10 entries",
        ),
        ({"endTime": "2024-05-01 00:00:00"}, "endTime must be after startTime"),
        (
            {"startTime": "yesterday"},
            'startTime must be a date-time: "YYYY-MM-DD HH:MM:SS" or ISO 8601 (UTC when no offset is given), '
            "within years 1-9999",
        ),
        ({"type": "GIFT"}, "type must be one of: POINTS, PHYSICAL_VOUCHER, FREE_VOUCHER, VOUCHER"),
        (
            {"restrictions": {"customerLevel": [{"kpi": "QUANTITY", "limit": 1}]}},
            "restrictions.customerLevel[0] needs repeatFrequencyType",
        ),
        (
            {"restrictions": {"rewardLevel": [{"kpi": "COUNT", "limit": 1}]}},
            "restrictions.rewardLevel[0].kpi must be one of: QUANTITY, REDEMPTION_VALUE",
        ),
        (
            {
                "rewardRevenueMeta": [
                    {
                        "commissionParticipant": "BRAND",
                        "commissionRate": 1,
                        "cycleStartDate": "2024-05-01T00:00:00Z",
                        "cycleEndDate": "2025-01-01T00:00:00Z",
                    }
                ]
            },
            "rewardRevenueMeta[0].cycleStartDate must be after the reward's start",
        ),
        (
            {
                "rewardRevenueMeta": [
                    {
                        "commissionParticipant": "BRAND",
                        "commissionRate": 1,
                        "cycleStartDate": "2024-07-01T00:00:00Z",
                        "cycleEndDate": "2031-01-01T00:00:00Z",
                    }
                ]
            },
            "rewardRevenueMeta[0].cycleEndDate must be before the reward's end",
        ),
    ],
)
def test_rules_refuse_with_their_message(tenant: Tenant, world: World, overrides: dict[str, Any], message: str) -> None:
    assert cap_error(tenant.post(f"{CAP}/reward/create", json=base(world, **overrides)), 400, 400) == message


def test_revenue_cycle_must_start_in_the_future(tenant: Tenant, world: World) -> None:
    meta = [
        {
            "commissionParticipant": "BRAND",
            "commissionRate": 1,
            "cycleStartDate": "2024-07-01T00:00:00Z",
            "cycleEndDate": "2025-01-01T00:00:00Z",
        }
    ]
    with frozen_at(datetime(2024, 8, 1, tzinfo=UTC)):
        message = cap_error(tenant.post(f"{CAP}/reward/create", json=base(world, rewardRevenueMeta=meta)), 400, 400)
    assert message == "rewardRevenueMeta[0].cycleStartDate must be in the future"


def test_one_kind_of_audience_at_a_time(tenant: Tenant, world: World) -> None:
    body = base(world, cardSeries=["26NOV2024TRYLEN17"], labels=[world.labels[12751]])
    message = cap_error(tenant.post(f"{CAP}/reward/create", json=body), 400, 400)
    assert message.startswith("A reward can be linked to only one of card series, labels, segments or loyalty programs")
    # Several values of one kind are fine.
    cap_create(tenant, base(world, cardSeries=["26NOV2024TRYLEN17", "26NOV2024TRYLEN18"]))


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"labels": [999999]}, 12048, "Unable to create reward as Label not found for label_id: 999999"),
        ({"cardSeries": ["NOPE"]}, 12045, "Unable to create reward as card series not found: NOPE"),
        (
            {"customFields": {"labels": "x", "tag": "y"}},
            3014,
            "Unable to create reward as org doesn't have the custom field/s: labels,tag",
        ),
        (
            {"supplementaryCriteriaRO": [{"loyaltyProgramId": 999999}]},
            400,
            "Passed loyalty programId is not exists",
        ),
        ({"categories": [999999]}, 400, "Category not found for category_id: 999999"),
        ({"vendorId": 999999}, 400, "Vendor not found for vendor_id: 999999"),
        ({"segment": [{"segmentId": 999999}]}, 400, "Segment not found for segmentId: 999999"),
        ({"geography": [{"countryId": 100000}]}, 400, "Country not found for countryId: 100000"),
        (
            {"redemptionType": "INTOUCH_REWARD", "intouchSeriesId": "999999999"},
            400,
            "intouchSeriesId must reference an existing code pool (coupon series) with available codes",
        ),
        ({"brandId": 999999}, 400, "Brand not found for brandId: 999999"),
        (
            {"orgLevelRestrictions": [{"orgId": "not-connected", "isValid": True}]},
            400,
            "Org not-connected is not connected to this org",
        ),
    ],
)
def test_references_must_exist(
    tenant: Tenant, world: World, overrides: dict[str, Any], code: int, message: str
) -> None:
    assert cap_error(tenant.post(f"{CAP}/reward/create", json=base(world, **overrides)), 400, code) == message


def test_partner_program_tier_and_partition_must_belong(tenant: Tenant, world: World) -> None:
    program = world.programs[469]
    criteria = [{"loyaltyProgramId": program, "partnerProgramIds": [999999]}]
    body = base(world, supplementaryCriteriaRO=criteria)
    assert cap_error(tenant.post(f"{CAP}/reward/create", json=body), 400, 400) == "Passed entityId is not exists"
    body = base(world, supplementaryCriteriaRO=[{"loyaltyProgramId": program, "tierIds": [999999]}])
    assert "Tier not found" in cap_error(tenant.post(f"{CAP}/reward/create", json=body), 400, 400)
    body = base(world, segment=[{"segmentId": world.segment, "partitionId": [999999]}])
    assert "Partition not found" in cap_error(tenant.post(f"{CAP}/reward/create", json=body), 400, 400)


def test_update_refusals_say_update(tenant: Tenant, world: World) -> None:
    reward = cap_create(tenant, base(world))
    path = f"{CAP}/reward/{reward['id']}/brand/{world.brand}"
    assert (
        cap_error(tenant.put(path, json={"labels": [17244324236]}), 400, 12048)
        == "Unable to update reward as Label not found for label_id: 17244324236"
    )
    assert cap_error(tenant.put(path, json={"cardSeries": ["GONE"]}), 400, 12045).startswith(
        "Unable to update reward as card series not found"
    )
    assert (
        cap_error(tenant.put(path, json={"customFields": {"labels": 1, "tag": 2}}), 400, 3014)
        == "Unable to update reward as org doesn't have the custom field/s: labels,tag"
    )
    assert cap_error(tenant.put(f"{CAP}/reward/{reward['id']}/brand/999", json={}), 404, 6004) == "Reward not found"
    assert cap_error(tenant.put(f"{CAP}/reward/999999999/brand/{world.brand}", json={}), 404, 6004)


def test_mandatory_custom_fields(tenant_factory: Any) -> None:
    tenant: Tenant = tenant_factory()
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "B"}), 201)["brandId"]
    tenant.data(
        tenant.post("/v1/custom-fields", json={"name": "mandatory - CF1", "scope": "reward", "mandatory": True}), 201
    )
    body = {**BASE_PHYSICAL, "brandId": brand}
    message = cap_error(tenant.post(f"{CAP}/reward/create", json=body), 400, 400)
    assert message == "Mandatory custom field/s missing: mandatory - CF1"
    lsi = [{"languageCode": "en", "name": "x", "customFields": {"mandatory - CF1": "englishvalue1"}}]
    cap_create(tenant, {**body, "languageSpecificInfo": lsi})


# ---- lifecycle and partial update ---------------------------------------------------


def test_partial_update_keeps_what_is_left_out_and_blank_tier_resets(tenant: Tenant, world: World) -> None:
    reward = cap_create(tenant, base(world, tier="SILVER", priority=3, vendorRedemption="V-1"))
    path = f"{CAP}/reward/{reward['id']}/brand/{world.brand}"
    assert tenant.put(path, json={"priority": 1}).status_code == 200
    after = tenant.get(path).json()["reward"]
    assert after["priority"] == 1
    assert after["tier"] == "SILVER"
    assert after["vendorRedemption"] == "V-1"
    assert tenant.put(path, json={"tier": ""}).status_code == 200
    assert tenant.get(path).json()["reward"]["tier"] is None


def test_live_reward_locks_what_it_costs_and_how_it_is_fulfilled(tenant: Tenant, world: World) -> None:
    reward = cap_create(tenant, base(world, paymentConfigs=[{"paymentMode": "POINTS", "points": 10}]))
    path = f"{CAP}/reward/{reward['id']}/brand/{world.brand}"
    with frozen_at(datetime(2025, 1, 1, tzinfo=UTC)):
        assert tenant.get(path).json()["reward"]["state"] == "LIVE"
        response = tenant.put(path, json={"redemptionType": "GIFT_CARD"})
        assert cap_error(response, 400, 400) == "Redemption type cannot be changed once the reward has started"
        message = cap_error(tenant.put(path, json={"startTime": "2024-07-01 00:00:00"}), 400, 400)
        assert message == "startTime cannot be changed while the reward is LIVE"
        message = cap_error(tenant.put(path, json={"paymentConfigs": [{"paymentMode": "FREE"}]}), 400, 400)
        assert message == "paymentConfigs cannot be changed while the reward is LIVE"
        message = cap_error(tenant.put(path, json={"endTime": "2024-12-01 00:00:00"}), 400, 400)
        assert message == "endTime cannot be moved into the past once the reward has started"
        # Sending unchanged values, as full-body clients do, is no change.
        same = {"redemptionType": "PHYSICAL_REWARD", "paymentConfigs": [{"paymentMode": "POINTS", "points": 10}]}
        assert tenant.put(path, json=same).status_code == 200
        # Audience, classification, limits and content stay editable.
        live_edit = {
            "tier": "GOLD",
            "labels": [world.labels[5462]],
            "restrictions": {"rewardLevel": [{"kpi": "QUANTITY", "limit": 5}]},
            "endTime": "2031-01-01 00:00:00",
            "languageSpecificInfo": [{"languageCode": "en", "name": "Renamed"}],
        }
        assert tenant.put(path, json=live_edit).status_code == 200, tenant.put(path, json=live_edit).text
        assert tenant.get(path).json()["reward"]["tier"] == "GOLD"


def test_ended_reward_takes_only_end_time_switch_and_content(tenant: Tenant, world: World) -> None:
    reward = cap_create(tenant, base(world, endTime="2024-12-31 23:59:59"))
    path = f"{CAP}/reward/{reward['id']}/brand/{world.brand}"
    with frozen_at(datetime(2025, 6, 1, tzinfo=UTC)):
        assert tenant.get(path).json()["reward"]["state"] == "ENDED"
        assert (
            cap_error(tenant.put(path, json={"tier": "GOLD"}), 400, 400)
            == "tier cannot be changed while the reward is ENDED"
        )
        assert tenant.put(path, json={"enabled": False}).status_code == 200
        assert tenant.put(path, json={"languageSpecificInfo": [{"languageCode": "en", "name": "N"}]}).status_code == 200
        assert tenant.put(path, json={"endTime": "2025-12-31 00:00:00"}).status_code == 200
        assert tenant.get(path).json()["reward"]["state"] == "LIVE"


def test_end_is_inclusive_to_the_second(tenant: Tenant, world: World) -> None:
    reward = cap_create(tenant, base(world, endTime="2024-12-31 23:59:59"))
    path = f"{CAP}/reward/{reward['id']}/brand/{world.brand}"
    with frozen_at(datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)):
        assert tenant.get(path).json()["reward"]["state"] == "LIVE"
    with frozen_at(datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)):
        assert tenant.get(path).json()["reward"]["state"] == "ENDED"


# ---- seed 001: what a customer may have ---------------------------------------------

USER = "/api_gateway/rewards/core/v1/user/reward"


def live_reward(tenant: Tenant, world: World, **overrides: Any) -> dict[str, Any]:
    return cap_create(tenant, base(world, **{"startTime": "2023-01-01 00:00:00", **overrides}))


def test_user_reward_for_a_customer(tenant: Tenant, world: World) -> None:
    lsi = [
        {"languageCode": "en", "name": "Coffee", "imageId": "IMG-EN", "termNConditionsUrl": "https://t.example/en"},
        {"languageCode": "fr", "name": "Café", "imageId": "IMG-FR"},
        {"languageCode": "ja", "name": "コーヒー", "enabled": False},
    ]
    reward = live_reward(
        tenant,
        world,
        languageSpecificInfo=lsi,
        labels=[world.labels[12751]],
        geography=[{"countryId": 7}],
        paymentConfigs=[{"paymentMode": "CASH", "cash": 500}],
        rewardRevenueDefaults=[{"commissionParticipant": "BRAND", "defaultValue": 2}],
        groups=[{"groupName": "drinks", "groupRank": 2}],
    )
    tenant.put("/v1/customers/u-1", json={"labels": [world.labels[12751]], "country": 7})
    response = tenant.get(f"{USER}/{reward['id']}/brand/Acme", params={"userId": "u-1", "language": "fr"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == {"success": True, "code": 200, "message": "User Reward fetched successfully"}
    view = body["reward"]
    assert view["id"] == reward["id"]
    assert view["name"] == "Café"
    assert view["imageId"] == "IMG-FR"
    assert view["rewardRestrictions"] == {"isValid": True}
    assert view["started"] is True
    assert view["expired"] is False
    assert view["startTime"] == "2023-01-01 00:00:00"
    assert view["paymentConfigs"] == [{"paymentMode": "CASH", "cash": 500.0, "id": 1}]
    assert view["rewardRevenueDetails"] == {"brandCommission": 2.0, "endCustomerCommission": 0}
    assert (view["groupName"], view["groupRank"]) == ("drinks", 2)
    # A disabled language, or one the reward lacks, falls back to the first enabled one.
    for language in ("ja", "de", None):
        params = {"userId": "u-1", **({"language": language} if language else {})}
        assert tenant.get(f"{USER}/{reward['id']}/brand/Acme", params=params).json()["reward"]["name"] == "Coffee"


def test_is_valid_follows_audience_geography_and_limits(tenant: Tenant, world: World) -> None:
    labelled = live_reward(tenant, world, labels=[world.labels[12751]])
    local = live_reward(tenant, world, geography=[{"countryId": 7}])
    exhausted = live_reward(tenant, world, restrictions={"rewardLevel": [{"kpi": "QUANTITY", "limit": 0}]})
    tenant.put("/v1/customers/member", json={"labels": [world.labels[12751]], "country": 7})
    tenant.put("/v1/customers/outsider", json={"labels": [world.labels[5462]], "country": 1})

    def valid(reward: dict[str, Any], user: str) -> bool:
        response = tenant.get(f"{USER}/{reward['id']}/brand/Acme", params={"userId": user})
        assert response.status_code == 200, response.text
        result: bool = response.json()["reward"]["rewardRestrictions"]["isValid"]
        return result

    assert valid(labelled, "member") is True
    assert valid(labelled, "outsider") is False
    assert valid(labelled, "never-seen") is False
    assert valid(local, "member") is True
    assert valid(local, "outsider") is False
    assert valid(exhausted, "member") is False


def test_user_reward_missing_or_disabled_is_6004(tenant: Tenant, world: World) -> None:
    reward = live_reward(tenant, world, enabled=False)
    response = tenant.get(f"{USER}/{reward['id']}/brand/Acme", params={"userId": "u"})
    assert cap_error(response, 404, 6004) == "Reward not found or disabled"
    cap_error(tenant.get(f"{USER}/999999999/brand/Acme"), 404, 6004)
    assert cap_error(tenant.get(f"{USER}/{reward['id']}/brand/NoSuchBrand"), 404, 404) == "Brand not found: NoSuchBrand"


def test_user_reward_list_filters_and_orders(tenant: Tenant, world: World) -> None:
    def make(name: str, **overrides: Any) -> int:
        lsi = [{"languageCode": "en", "name": name}]
        reward_id: int = live_reward(tenant, world, languageSpecificInfo=lsi, **overrides)["id"]
        return reward_id

    third = make("third", priority=2)
    first = make("first", priority=1, rewardRank=1, group="coffee", intouchPoints=100)
    second = make(
        "second", priority=1, rewardRank=5, label="hot", paymentConfigs=[{"paymentMode": "POINTS", "points": 300}]
    )
    make("not for them", labels=[world.labels[5462]])
    make("disabled", enabled=False)
    make("upcoming", startTime="2030-01-01 00:00:00", endTime="2031-01-01 00:00:00")
    make("categorised", priority=9, categories=[world.categories[4]])

    def names(**params: Any) -> list[str]:
        response = tenant.get(f"{USER}/brand/Acme", params={"userId": "u", **params})
        assert response.status_code == 200, response.text
        assert response.json()["status"]["message"] == "User Rewards fetched successfully"
        return [r["name"] for r in response.json()["rewards"]]

    assert names() == ["first", "second", "third", "categorised"]
    assert names(group="coffee") == ["first"]
    assert names(label="hot") == ["second"]
    assert names(categoryId=world.categories[4]) == ["categorised"]
    assert names(minPoints=200) == ["second"]
    assert names(maxPoints=150) == ["first", "third", "categorised"]
    assert names(size=2, page=1) == ["third", "categorised"]
    assert {third, first, second}  # ids are distinct rewards


def test_user_reward_list_follows_every_write_at_once(tenant: Tenant, world: World) -> None:
    """A list is judged once per (rewards at their versions, stored profile) and kept: each write
    that changes either shows in the very next list, as does a limit used up."""
    labelled = live_reward(tenant, world, labels=[world.labels[12751]], languageSpecificInfo=[_en("labelled")])
    live_reward(tenant, world, languageSpecificInfo=[_en("everyone")])
    tenant.put("/v1/customers/u", json={"country": 7})

    def names() -> list[str]:
        response = tenant.get(f"{USER}/brand/Acme", params={"userId": "u"})
        assert response.status_code == 200, response.text
        return [r["name"] for r in response.json()["rewards"]]

    assert names() == names() == ["everyone"]
    tenant.put("/v1/customers/u", json={"labels": [world.labels[12751]], "country": 7})
    assert names() == ["labelled", "everyone"]
    update = tenant.put(f"{CAP}/reward/{labelled['id']}/brand/{world.brand}", json={"labels": [world.labels[5462]]})
    assert update.status_code == 200, update.text
    assert names() == ["everyone"]
    limited = live_reward(
        tenant,
        world,
        languageSpecificInfo=[_en("once")],
        restrictions={"customerLevel": [{"kpi": "QUANTITY", "limit": 1, "repeatFrequencyType": "NO_LIMIT"}]},
    )
    assert names() == ["everyone", "once"]
    grant = tenant.post("/v1/rewards/grant", json={"rewardId": str(limited["id"]), "userId": "u"})
    assert grant.status_code == 201, grant.text
    assert names() == ["everyone"]


def _en(name: str) -> dict[str, Any]:
    return {"languageCode": "en", "name": name}


# ---- seed 002: connected orgs ------------------------------------------------------

CONNECTED = "/api_gateway/rewards/core/v1.1/user/rewards"


def test_connected_orgs_data_scopes(tenant_factory: Any) -> None:
    parent: Tenant = tenant_factory(name="Parent")
    child: Tenant = tenant_factory(name="Child", parent_id=parent.org_id)
    sibling: Tenant = tenant_factory(name="Sibling", parent_id=parent.org_id)
    stranger: Tenant = tenant_factory(name="Stranger")
    brand = child.data(child.post("/v1/brands", json={"name": "C"}), 201)["brandId"]
    open_reward = cap_create(child, {**BASE_PHYSICAL, "brandId": brand})
    restricted = cap_create(
        child,
        {
            **BASE_PHYSICAL,
            "brandId": brand,
            "orgLevelRestrictions": [
                {"orgId": parent.org_id, "isValid": True},
                {"orgId": sibling.org_id, "isValid": False},
            ],
        },
    )

    def read(caller: Tenant, reward: dict[str, Any], **headers: str) -> Any:
        return caller.get(f"{CONNECTED}/{reward['id']}", headers=headers)

    own = read(child, open_reward)
    assert own.status_code == 200
    assert own.json()["status"]["code"] == 6001
    assert read(child, open_reward, **{"DATA-SCOPE": "SELF"}).status_code == 200
    # The parent reads the child's reward only when it asks for that org.
    assert read(parent, open_reward).status_code == 404
    other = {"DATA-SCOPE": "OTHER", "DATA-SCOPE-ORG": child.org_id}
    assert read(parent, open_reward, **other).json()["reward"]["id"] == open_reward["id"]
    assert read(sibling, open_reward, **other).status_code == 200
    # orgLevelRestrictions: valid for the parent, not for the sibling.
    body = read(parent, restricted, **other).json()
    assert body["reward"]["orgLevelRestrictions"][0] == {"orgId": parent.org_id, "isValid": True}
    assert cap_error(read(sibling, restricted, **other), 404, 6004) == "Reward not found"
    # Outside the connected tree: refused.
    assert read(stranger, open_reward, **other).status_code == 403
    # ALL: the documented error body.
    response = read(parent, open_reward, **{"DATA-SCOPE": "ALL"})
    assert response.status_code == 400
    assert response.json() == {
        "data": None,
        "errors": [{"code": 310141, "message": "Datascope 'ALL' is not supported for this 'API'"}],
        "warnings": None,
    }
    assert read(parent, open_reward, **{"DATA-SCOPE": "OTHER"}).status_code == 400


# ---- seed 003 admin reads, and one model across both APIs ----------------------------


def test_list_by_brand_filters(tenant: Tenant, world: World) -> None:
    def make(name: str, **overrides: Any) -> int:
        reward_id: int = cap_create(
            tenant, base(world, languageSpecificInfo=[{"languageCode": "en", "name": name}], **overrides)
        )["id"]
        return reward_id

    upcoming = make("Summer Upcoming", startTime="2024-06-01 00:00:00", endTime="2024-09-01 00:00:00")
    live = make("Winter Live", startTime="2023-06-01 00:00:00", type="POINTS")
    ended = make("Old Ended", startTime="2022-01-01 00:00:00", endTime="2023-01-01 00:00:00")
    path = f"{CAP}/reward/list/brand/{world.brand}"

    def ids(**params: Any) -> list[int]:
        response = tenant.get(path, params=params)
        assert response.status_code == 200, response.text
        assert response.json()["status"]["code"] == 6001
        return [r["id"] for r in response.json()["rewards"]]

    assert ids() == [upcoming, live, ended]
    assert ids(status="UPCOMING") == [upcoming]
    assert ids(status="LIVE") == [live]
    assert ids(status="ENDED") == [ended]
    assert ids(type="POINTS") == [live]
    assert ids(name="winter") == [live]
    assert ids(startDate="2024-07-01 00:00:00", endDate="2024-08-01 00:00:00") == [upcoming, live]
    assert ids(size=1, page=2) == [ended]
    assert tenant.get(path, params={"status": "SOON"}).status_code == 400
    assert cap_error(tenant.get(f"{CAP}/reward/list/brand/999999"), 404, 404) == "Brand not found"


def test_native_reward_is_readable_through_capillary_and_back(tenant: Tenant, world: World) -> None:
    native = tenant.data(
        tenant.post(
            "/v1/rewards",
            json={
                "name": "Pts",
                "rewardType": "points",
                "config": {"amount": 10},
                "brandId": world.brand,
                "tier": "GOLD",
            },
        ),
        201,
    )["reward"]
    assert native["type"] == "POINTS"
    assert native["state"] == "LIVE"
    detail = tenant.get(f"{CAP}/reward/{native['id']}/brand/{world.brand}").json()["reward"]
    assert detail["languageSpecificInfo"][0]["name"] == "Pts"
    assert detail["tier"] == "GOLD"
    assert detail["redemptionType"] is None
    # A Capillary update shows up natively, and a native update in Capillary.
    tenant.put(f"{CAP}/reward/{native['id']}/brand/{world.brand}", json={"priority": 4})
    assert tenant.data(tenant.get(f"/v1/rewards/{native['rewardId']}"))["priority"] == 4
    tenant.data(tenant.put(f"/v1/rewards/{native['rewardId']}", json={"name": "Points!"}))
    assert tenant.get(f"{CAP}/reward/{native['id']}/brand/{world.brand}").json()["reward"]["name"] == "Points!"


def test_native_unique_coupon_is_an_intouch_reward(tenant: Tenant, world: World) -> None:
    pool = created(tenant, "/v1/code-pools", {"name": "p"}, "codePool")
    tenant.data(tenant.post(f"/v1/code-pools/{pool['codePoolId']}/codes", json={"codes": ["Z1"]}))
    body = {"name": "Coupon", "rewardType": "unique_coupon", "config": {"codePoolId": pool["codePoolId"]}}
    reward = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]
    assert reward["redemptionType"] == "INTOUCH_REWARD"
    assert reward["intouchSeriesId"] == str(pool["seriesId"])
    mismatch = {**body, "redemptionType": "MILES"}
    error = tenant.post("/v1/rewards", json=mismatch).json()["error"]
    assert error["code"] == "DERIVED_FIELD_MISMATCH"


def test_reference_data_in_use_by_a_reward_cannot_be_deleted(tenant: Tenant, world: World) -> None:
    vendor = created(tenant, "/v1/vendors", {"name": "v"}, "vendor")["id"]
    program = created(
        tenant,
        "/v1/loyalty-programs",
        {"name": "prog", "tiers": [{"name": "GOLD"}], "partnerPrograms": [{"name": "air"}]},
        "loyaltyProgram",
    )
    tier, partner = program["tiers"][0]["id"], program["partnerPrograms"][0]["id"]
    programs = [{"loyaltyProgramId": program["id"], "tierIds": [tier], "partnerProgramIds": [partner]}]
    by_program = cap_create(
        tenant, base(world, supplementaryCriteriaRO=programs, vendorId=vendor, customFields={"CF1": "x"})
    )
    by_label = cap_create(tenant, base(world, labels=[world.labels[12751]], categories=[world.categories[4]]))
    by_series = cap_create(tenant, base(world, cardSeries=["26NOV2024TRYLEN17"]))
    by_segment = cap_create(
        tenant, base(world, segment=[{"segmentId": world.segment, "partitionId": [world.partition]}])
    )
    series_id = tenant.data(tenant.get("/v1/card-series"))["cardSeries"][0]["id"]
    field_id = next(f["id"] for f in tenant.data(tenant.get("/v1/custom-fields"))["customFields"] if f["name"] == "CF1")
    in_use = [
        (f"/v1/labels/{world.labels[12751]}", "LABEL_IN_USE"),
        (f"/v1/categories/{world.categories[4]}", "CATEGORY_IN_USE"),
        (f"/v1/vendors/{vendor}", "VENDOR_IN_USE"),
        (f"/v1/card-series/{series_id}", "CARD_SERIES_IN_USE"),
        (f"/v1/custom-fields/{field_id}", "CUSTOM_FIELD_IN_USE"),
        (f"/v1/loyalty-programs/{program['id']}", "LOYALTY_PROGRAM_IN_USE"),
        (f"/v1/loyalty-programs/{program['id']}/tiers/{tier}", "TIER_IN_USE"),
        (f"/v1/loyalty-programs/{program['id']}/partner-programs/{partner}", "PARTNER_PROGRAM_IN_USE"),
        (f"/v1/segments/{world.segment}", "SEGMENT_IN_USE"),
        (f"/v1/segments/{world.segment}/partitions/{world.partition}", "PARTITION_IN_USE"),
    ]
    for path, code in in_use:
        response = tenant.delete(path)
        assert response.status_code == 409, (path, response.text)
        assert response.json()["error"]["code"] == code
    for reward in (by_program, by_label, by_series, by_segment):
        tenant.data(tenant.delete(f"/v1/rewards/{reward['id']}"))
    for path, _ in reversed(in_use):
        tenant.data(tenant.delete(path))
