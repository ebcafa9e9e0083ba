"""Capillary's "Issue user reward" and its issuals, on the one issuance pipeline.

The issue API names the customer by ``mobile``, ``email`` (or ``emailId``) or
``externalId`` — the first given, in that order, must name one of the org's
customers — and the brand by name; the reward must be that brand's. A request
issues one reward (the path's, with ``quantity`` and ``paymentConfig``) or,
with ``rewards[]``, several: all in the request's one transaction, or none.
Each is a purchase: state, audience (unless ``skip_validation=true``: the
caller vouches for the customer), every limit, inventory and the price in the
chosen payment config. ``transactionNumber`` is the request's natural
idempotency key within the org: the same number with the same body answers the
first answer again, with another body 409 ``IDEMPOTENCY_KEY_REUSED``.

Transaction ids are the issuances' integer ids, as Capillary's are numbers;
customerId in the issuals paths is the customer's integer id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from laurels.customers.models import IDENTIFIERS, Customer
from laurels.customers.repository import CustomerRepository
from laurels.customers.service import CustomerCode, identifier
from laurels.issuance.models import Issuance
from laurels.issuance.pipeline import IssueRequest, Pipeline, Purchase
from laurels.issuance.repository import IssuanceRepository
from laurels.issuance.rules import IssuanceCode, Unavailable
from laurels.issuance.service import PURCHASE, QUANTITY_MAX
from laurels.kit.errors import InvalidInput, NotFound
from laurels.kit.validation import integer, require_fields, text
from laurels.rewards.models import Reward
from laurels.rewards.offers import brand_not_found
from laurels.rewards.repository import RewardRepository
from laurels.rewards.state import to_state
from laurels.rewards.vocabulary import RewardCode
from laurels.tenancy.repository import TenancyRepository

ISSUE = "capillary_issue"  # the idempotency scope of transactionNumber
REWARDS_MAX = 20  # rewards[] entries in one request
ISSUALS_MAX = 10_000  # the customer's latest issuances the issuals list reads


@dataclass(frozen=True)
class Issued:
    reward: Reward
    issuance: Issuance


def customer_identifier(values: Mapping[str, Any]) -> tuple[str, str]:
    """(column, stored value) of the identifier the request names the customer by."""
    given = {**values}
    if given.get("email") is None and given.get("emailId") is not None:
        given["email"] = given["emailId"]
    for field, column in IDENTIFIERS.items():
        if given.get(field) is not None:
            return column, identifier(field, given[field])
    raise InvalidInput(
        "Name the customer by mobile, email or externalId",
        code=IssuanceCode.INVALID_USER_ID,
        field="mobile",
    )


class CapillaryIssueService:
    def __init__(self, session: Session) -> None:
        self.customers = CustomerRepository(session)
        self.tenancy = TenancyRepository(session)
        self.rewards = RewardRepository(session)
        self.records = IssuanceRepository(session)
        self.pipeline = Pipeline(session)

    def issue(
        self,
        org_id: str,
        reward_ident: str,
        values: Mapping[str, Any],
        *,
        till: str | None,
        trusted: bool,
        now: datetime,
    ) -> list[Issued]:
        require_fields(values, ("brand", "transactionNumber"))
        column, value = customer_identifier(values)
        customer = self.customers.by_identifier(org_id, column, value)
        if customer is None:
            raise NotFound("Customer not found", code=CustomerCode.CUSTOMER_NOT_FOUND, field=_wire(column))
        brand_name = text(values["brand"], field="brand", code=RewardCode.BRAND_NOT_FOUND, max_length=255)
        brand = self.tenancy.get_brand_by_name(org_id, brand_name)
        if brand is None:
            raise brand_not_found(brand_name)
        number = str(values["transactionNumber"])
        ownership = values.get("rewardOwnershipRO")
        owner: dict[str, Any] = ownership if isinstance(ownership, dict) else {}
        context = {
            "transactionNumber": number,
            "notes": values.get("notes"),
            "till": till,
            "ownerType": owner.get("ownerType"),
            "ownerId": owner.get("ownerId"),
            **_recorded(values),
        }
        requests = []
        for entry in self._entries(reward_ident, values):
            reward = self.rewards.resolve(org_id, str(entry["rewardId"]))
            if reward is None or reward.brand_id != brand.id or not reward.enabled:
                raise NotFound("Reward not found or disabled", code=RewardCode.REWARD_NOT_FOUND_OR_DISABLED)
            request = IssueRequest(
                reward=str(reward.id),
                user_id=customer.user_id,
                source=PURCHASE,
                metadata={**context, "dialect": "capillary"},
                quantity=entry["quantity"],
                purchase=Purchase(_mode(reward, entry["paymentConfig"]), cash_ref=number, judge=not trusted),
            )
            requests.append((reward, request))
        # Issued in the order of the rewards' ids, answered in the request's: two requests naming
        # the same rewards in different orders lock their rows in one order, never in a cycle.
        issued: dict[int, Issued] = {}
        for position in sorted(range(len(requests)), key=lambda i: requests[i][0].id):
            reward, request = requests[position]
            issued[position] = Issued(reward, self.pipeline.issue(org_id, request, now))
        return [issued[position] for position in range(len(requests))]

    @staticmethod
    def _entries(reward_ident: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """What to issue: ``rewards[]`` if given, else the path's reward with the body's quantity and paymentConfig."""
        raw = values.get("rewards")
        if raw is None:
            raw = [
                {
                    "rewardId": reward_ident,
                    "quantity": values.get("quantity"),
                    "paymentConfig": values.get("paymentConfig"),
                }
            ]
        if not isinstance(raw, list) or not 1 <= len(raw) <= REWARDS_MAX:
            raise InvalidInput(f"rewards must be a list of 1 to {REWARDS_MAX} rewards", field="rewards")
        entries = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or item.get("rewardId") is None:
                raise InvalidInput(f"rewards[{i}] needs a rewardId", field=f"rewards[{i}].rewardId")
            quantity = item.get("quantity")
            entries.append(
                {
                    "rewardId": item["rewardId"],
                    "quantity": 1
                    if quantity is None
                    else integer(
                        quantity, field="quantity", code=IssuanceCode.INVALID_QUANTITY, minimum=1, maximum=QUANTITY_MAX
                    ),
                    "paymentConfig": item.get("paymentConfig"),
                }
            )
        return entries

    # ---- issuals ------------------------------------------------------------------------

    def customer(self, org_id: str, customer_pk: int) -> Customer:
        found = self.customers.by_pk_in_org(org_id, customer_pk)
        if found is None:
            raise NotFound("Customer not found", code=CustomerCode.CUSTOMER_NOT_FOUND)
        return found

    def issuals(self, org_id: str, customer: Customer) -> Sequence[tuple[Issuance, Reward | None]]:
        """Every issuance to the customer, newest first, each with its reward if it still exists."""
        rows = self.records.issuances(org_id, before=None, limit=ISSUALS_MAX, customer_pk=customer.id)
        rewards = {r.id: r for r in self.rewards.by_pks(org_id, {i.reward_pk for i in rows if i.reward_pk})}
        return [(i, rewards.get(i.reward_pk) if i.reward_pk else None) for i in rows]

    def issual(self, org_id: str, customer: Customer, transaction_pk: int) -> tuple[Issuance, Reward | None]:
        found = self.records.issuance_by_pk(org_id, transaction_pk)
        if found is None or found.customer_pk != customer.id:
            raise NotFound("Reward not found or disabled", code=RewardCode.REWARD_NOT_FOUND_OR_DISABLED)
        reward = self.rewards.by_pks(org_id, [found.reward_pk])[0] if found.reward_pk else None
        return found, reward


# What the request may carry for the record: Capillary's objects as sent, and two ids of the caller's.
RECORDED_OBJECTS = ("tender", "customFields", "fulfillmentDetails")
RECORDED_IDS = ("eventLogId", "requestId")
RECORDED_ID_MAX = 255


def _recorded(values: Mapping[str, Any]) -> dict[str, Any]:
    """Those of RECORDED_OBJECTS and RECORDED_IDS the request gives, checked."""
    recorded: dict[str, Any] = {}
    for name in RECORDED_OBJECTS:
        if values.get(name) is not None:
            if not isinstance(values[name], dict):
                raise InvalidInput(f"{name} must be an object", code=IssuanceCode.INVALID_METADATA, field=name)
            recorded[name] = values[name]
    for name in RECORDED_IDS:
        if values.get(name) is not None:
            recorded[name] = text(
                values[name], field=name, code=IssuanceCode.INVALID_METADATA, max_length=RECORDED_ID_MAX
            )
    return recorded


def _wire(column: str) -> str:
    return next(field for field, c in IDENTIFIERS.items() if c == column)


def _mode(reward: Reward, config: Any) -> str | None:
    """The payment mode of the reward's paymentConfig the request chose: by ``paymentMode`` or ``id``;
    the reward's only one when none is named; None when the reward lists none (issued free)."""
    configs = to_state(reward).get("paymentConfigs") or []
    if not configs:
        return None
    if isinstance(config, dict) and config.get("paymentMode") is not None:
        return str(config["paymentMode"])
    if isinstance(config, dict) and config.get("id") is not None:
        chosen = next((c for c in configs if c.get("id") == config["id"]), None)
        if chosen is None:
            raise Unavailable(
                f"Invalid payment mode passed: the reward has no paymentConfig with id {config['id']}",
                code=IssuanceCode.PAYMENT_MODE_NOT_OFFERED,
                field="paymentConfig.id",
            )
        return str(chosen["paymentMode"])
    if len(configs) == 1:
        return str(configs[0]["paymentMode"])
    raise InvalidInput(
        "Payment mode is mandatory when the reward has several payment configs",
        code=IssuanceCode.INVALID_PAYMENT_MODE,
        field="paymentConfig",
    )
