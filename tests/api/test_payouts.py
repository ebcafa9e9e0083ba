"""A recipient's payout through HTTP: the chosen reward is issued only if the scheme offers it to them."""

from __future__ import annotations

from typing import Any

from tests.api.test_payout_schemes import SCHEMES, draft, group, publish, reward, rule, scheme
from tests.support import Tenant, error_of


def _pay(
    tenant: Tenant,
    scheme_id: str,
    reward_id: Any,
    value: Any = "25",
    headers: dict[str, str] | None = None,
    **body: Any,
) -> Any:
    payout = {"userId": "payee", "value": value, "currency": "EUR", "country": "GB", "rewardId": reward_id, **body}
    return tenant.post(f"{SCHEMES}/{scheme_id}/payouts", json=payout, headers=headers or {})


def test_a_payout_issues_an_offered_reward_and_refuses_others(tenant: Tenant) -> None:
    gift = reward(tenant, "Gift card")
    other = reward(tenant, "Not offered")
    scheme_id = scheme(tenant)
    assert error_of(_pay(tenant, scheme_id, gift["rewardId"]), 409)["code"] == "NO_ACTIVE_DRAFT"

    v1 = draft(tenant, scheme_id, [rule(group(tenant, "Gifts", [gift]), minimumValue=10)])
    publish(tenant, scheme_id, v1["draftId"])
    paid = tenant.data(_pay(tenant, scheme_id, gift["rewardId"], 25.5), 201)
    assert paid["message"] == "Payout issued successfully"
    result = paid["result"]
    assert (result["kind"], result["userId"], result["rewardId"]) == ("payout", "payee", gift["rewardId"])
    assert result["metadata"]["payoutSchemeId"] == scheme_id
    assert (result["metadata"]["value"], result["metadata"]["currency"]) == ("25.5", "EUR")
    assert tenant.data(tenant.get("/v1/customers/payee/points"))["balance"] == 1

    refused = error_of(_pay(tenant, scheme_id, other["rewardId"]), 409)
    assert refused["code"] == "REWARD_NOT_OFFERED"
    assert refused["details"] == {"offered": [gift["rewardId"]]}
    # Below the rule's minimum value nothing is offered, so nothing is issued.
    below = error_of(_pay(tenant, scheme_id, gift["rewardId"], "5"), 409)
    assert below["code"] == "REWARD_NOT_OFFERED"
    assert below["message"] == "The reward is not among this payout's options (0 offered; NO_RULE_MATCHES)"
    # By integer id too.
    assert _pay(tenant, scheme_id, gift["id"]).status_code == 201


def test_payout_refusals_name_the_field(tenant: Tenant) -> None:
    scheme_id = scheme(tenant)
    missing = error_of(tenant.post(f"{SCHEMES}/{scheme_id}/payouts", json={}), 400)
    assert missing["message"] == "Missing required fields: userId, value, currency, country, rewardId"
    assert error_of(_pay(tenant, scheme_id, "rew_x", value="-1"), 400)["code"] == "INVALID_VALUE"
    assert error_of(_pay(tenant, scheme_id, "rew_x", currency="ZZZ"), 400)["field"] == "currency"
    unknown = "00000000-0000-0000-0000-000000000000"
    assert error_of(_pay(tenant, unknown, "rew_x"), 404)["code"] == "PAYOUT_SCHEME_NOT_FOUND"


def test_an_idempotency_key_pays_out_once(tenant: Tenant) -> None:
    gift = reward(tenant, "Once")
    scheme_id = scheme(tenant)
    publish(tenant, scheme_id, draft(tenant, scheme_id, [rule(group(tenant, "G", [gift]))])["draftId"])
    headers = {"Idempotency-Key": f"payout-{scheme_id}"}
    first = _pay(tenant, scheme_id, gift["rewardId"], headers=headers)
    again = _pay(tenant, scheme_id, gift["rewardId"], headers=headers)
    assert (again.status_code, again.headers.get("Idempotent-Replayed"), again.content) == (201, "true", first.content)
    listed = tenant.data(tenant.get("/v1/issuances", params={"kind": "payout", "userId": "payee"}))
    assert listed["count"] == 1
