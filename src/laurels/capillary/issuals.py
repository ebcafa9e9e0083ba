"""Issuances in Capillary's shapes: the issue API's answer and the issuals (list and detail)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from laurels.capillary.issue import Issued
from laurels.capillary.views import language_of
from laurels.customers.models import Customer
from laurels.issuance.models import Issuance
from laurels.rewards.lifecycle import state_of
from laurels.rewards.models import Reward
from laurels.rewards.state import to_state

ISSUED_OK = {"success": True, "code": 200, "message": "Reward issued successfully"}
COUPON_CASES = ("LOWER", "UPPER", "AS_IT_IS")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def issue_answer(issued: Sequence[Issued]) -> dict[str, Any]:
    """The issue API's answer: its first (usually only) reward's details at the top, as Capillary's,
    and every reward issued under ``rewards`` (a Laurels addition, for ``rewards[]`` requests)."""
    first = issued[0].issuance
    meta = first.meta or {}
    payment = first.payment or None
    code = (first.delivered or {}).get("code")
    points = int(payment["points"]) if payment else 0
    intouch = {"pointsRedeemed": str(points), "couponCode": code, "codeExpiry": None} if (code or points) else None
    return {
        "status": ISSUED_OK,
        "intouch": intouch,
        "transactionId": first.id,
        "promotion": None,
        "vendor": None,
        "paymentConfig": {"paymentMode": payment["mode"], "points": points} if payment else None,
        "redemptionDetails": {"redemptionType": first.redemption_type, "redemptionValue": first.quantity}
        if first.redemption_type
        else None,
        "fulfillmentDetails": meta.get("fulfillmentDetails"),
        "customFields": meta.get("customFields"),
        "eventLogId": meta.get("eventLogId"),
        "requestId": meta.get("requestId"),
        "eventDateTime": _iso(first.created_at),
        "rewards": [
            {
                "rewardId": i.reward.id,
                "transactionId": i.issuance.id,
                "quantity": i.issuance.quantity,
                "state": i.issuance.state,
            }
            for i in issued
        ],
    }


def _reward_details(issuance: Issuance, reward: Reward | None, language: str | None) -> dict[str, Any]:
    if reward is None:  # deleted since: what the issuance itself remembers
        return {"rewardId": None, "name": issuance.reward_id, "redemptionType": issuance.redemption_type}
    state = to_state(reward)
    entry = language_of(state, language)
    return {
        "rewardId": reward.id,
        "languageCode": entry.get("languageCode", "en"),
        "name": entry.get("name") or reward.name,
        "description": entry.get("description") or reward.description,
        "imageUrl": entry.get("imageUrl"),
        "enabled": reward.enabled,
        "groups": state.get("groups") or [],
        "rewardRank": reward.reward_rank,
        "status": state_of(reward.start_at, reward.end_at, issuance.created_at).value,
        "intouchPoints": reward.intouch_points,
        "intouchSeriesId": reward.intouch_series_id,
        "redemptionType": reward.redemption_type,
    }


def _points_refs(issuance: Issuance) -> list[str] | None:
    payment = issuance.payment or {}
    return [issuance.transaction_id] if payment.get("points") else None


def issual_item(issuance: Issuance, reward: Reward | None) -> dict[str, Any]:
    meta = issuance.meta or {}
    return {
        "rewardTransactionId": str(issuance.id),
        "rewardIssueRefId": meta.get("transactionNumber") or issuance.transaction_id,
        "rewardTransactionDate": _ms(issuance.created_at),
        "status": ISSUED_OK,
        "rewardDetails": _reward_details(issuance, reward, None),
        "ownerType": meta.get("ownerType"),
        "ownerId": meta.get("ownerId") or "",
        "pointsRedemptionRefIds": _points_refs(issuance),
        "fulfillmentStatus": _fulfillment_status(meta),
        "redemptionType": issuance.redemption_type,
        "state": issuance.state,
        "eventDateTime": _iso(issuance.created_at),
        "issueDateTime": _iso(issuance.created_at),
    }


def _fulfillment_status(meta: dict[str, Any]) -> str | None:
    """What the issue request's fulfillmentDetails said of its status, if a string."""
    details = meta.get("fulfillmentDetails")
    status = details.get("status") if isinstance(details, dict) else None
    return status if isinstance(status, str) else None


def matches(issuance: Issuance, reward: Reward | None, filters: dict[str, Any]) -> bool:
    """The issuals list's filters: status, redemptionType (any of), ownerType, ownerId, groupName, rewardId."""
    meta = issuance.meta or {}
    if filters.get("status") is False:
        return False  # every issuance Laurels records succeeded; a refused request records none
    types = filters.get("redemptionType")
    if types and issuance.redemption_type not in types:
        return False
    if filters.get("ownerType") and meta.get("ownerType") != filters["ownerType"]:
        return False
    if filters.get("ownerId") and str(meta.get("ownerId")) != filters["ownerId"]:
        return False
    if filters.get("rewardId") is not None and (reward is None or reward.id != filters["rewardId"]):
        return False
    group = filters.get("groupName")
    if group:
        groups = {g.get("groupName") for g in (to_state(reward).get("groups") or [])} if reward else set()
        if group not in groups and (reward is None or reward.group_name != group):
            return False
    return True


def paging(total: int, page: int, size: int, shown: int) -> dict[str, Any]:
    pages = (total + size - 1) // size
    return {
        "last": page >= pages - 1,
        "totalElements": total,
        "totalPages": pages,
        "numberOfElements": shown,
        "first": page == 0,
        "size": size,
        "number": page,
    }


def issual_detail(
    issuance: Issuance, reward: Reward | None, customer: Customer, coupon_case: str | None
) -> dict[str, Any]:
    meta = issuance.meta or {}
    payment = issuance.payment or {}
    code = (issuance.delivered or {}).get("code")
    case = (coupon_case or "UPPER").upper()
    if code is not None and case == "UPPER":
        code = code.upper()
    elif code is not None and case == "LOWER":
        code = code.lower()
    points = payment.get("points") or 0
    return {
        "rewardTransactionId": str(issuance.id),
        "customerId": customer.id,
        "orgId": issuance.org_id,
        "rewardIssueRefId": meta.get("transactionNumber") or issuance.transaction_id,
        "rewardTransactionDate": _ms(issuance.created_at),
        "status": ISSUED_OK,
        "quantity": issuance.quantity,
        "requestedQuantity": issuance.quantity,
        "groupRedemption": False,
        "rewardDetails": _reward_details(issuance, reward, None),
        "pointsRedemption": {
            "redeemedPoints": points,
            "pointsRedemptionRefId": issuance.transaction_id,
            "pointsRedemptionRefIds": [issuance.transaction_id],
            "status": {"success": True, "code": 200, "message": "Points redeemed successfully."},
        }
        if points
        else None,
        "redemptionDetails": {"redemptionType": issuance.redemption_type, "totalRedemptionValue": None}
        if issuance.redemption_type
        else None,
        "vouchers": [{"code": code, "codeExpiry": None, "codeExpiryDateTime": None}] if code is not None else [],
        "customFields": meta.get("customFields") or {},
        "fulfillmentStatus": _fulfillment_status(meta),
        "ownerId": meta.get("ownerId") or "",
        "state": issuance.state,
        "eventDateTime": _iso(issuance.created_at),
        "issueDateTime": _iso(issuance.created_at),
    }
