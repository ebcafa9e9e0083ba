"""What may be issued, what an issuance counts, and which limits it takes: plain Python.

The pipeline (``issuance.pipeline``) asks these questions of a reward it has
read; nothing here touches the database, so every rule is unit-tested alone.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from laurels.kit.clock import iso_ms
from laurels.kit.errors import Conflict, LaurelsError, NotFound
from laurels.rewards.lifecycle import State, state_of
from laurels.rewards.rules import RewardType
from laurels.rewards.vocabulary import PaymentMode


class IssuanceCode(StrEnum):
    REWARD_NOT_FOUND = "REWARD_NOT_FOUND"
    REWARD_INACTIVE = "REWARD_INACTIVE"
    REWARD_NOT_STARTED = "REWARD_NOT_STARTED"
    REWARD_ENDED = "REWARD_ENDED"
    REWARD_LIMIT_REACHED = "REWARD_LIMIT_REACHED"
    CUSTOMER_LIMIT_REACHED = "CUSTOMER_LIMIT_REACHED"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    CODE_POOL_EXHAUSTED = "CODE_POOL_EXHAUSTED"
    NOT_DELIVERABLE = "NOT_DELIVERABLE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INVALID_IDEMPOTENCY_KEY = "INVALID_IDEMPOTENCY_KEY"
    INVALID_USER_ID = "INVALID_USER_ID"
    INVALID_METADATA = "INVALID_METADATA"
    ISSUANCE_NOT_FOUND = "ISSUANCE_NOT_FOUND"
    INVALID_FILTER = "INVALID_FILTER"
    INVALID_RETENTION = "INVALID_RETENTION"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_REASON = "INVALID_REASON"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    ALREADY_REDEEMED = "ALREADY_REDEEMED"
    ISSUANCE_REVERSED = "ISSUANCE_REVERSED"
    PAYMENT_MODE_NOT_OFFERED = "PAYMENT_MODE_NOT_OFFERED"
    INVALID_PAYMENT_MODE = "INVALID_PAYMENT_MODE"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_CASH_PAYMENT_REF = "INVALID_CASH_PAYMENT_REF"


class Unavailable(LaurelsError):
    """The reward exists but may not be issued now (inactive, not started, ended): 409."""

    status_code = 409
    default_code = IssuanceCode.REWARD_INACTIVE


def check_issuable(enabled: bool, start_at: datetime | None, end_at: datetime | None, now: datetime) -> None:
    """An enabled reward, LIVE at ``now`` (the end inclusive to the second), may be issued."""
    if not enabled:
        raise Unavailable("Reward is inactive", code=IssuanceCode.REWARD_INACTIVE)
    state = state_of(start_at, end_at, now)
    if state is State.UPCOMING:
        raise Unavailable("Reward has not started yet", code=IssuanceCode.REWARD_NOT_STARTED)
    if state is State.ENDED:
        raise Unavailable("Reward has ended", code=IssuanceCode.REWARD_ENDED)


def reward_not_found() -> NotFound:
    return NotFound("Reward not found", code=IssuanceCode.REWARD_NOT_FOUND)


@dataclass(frozen=True)
class Count:
    """What one issuance counts toward limits: QUANTITY counts ``quantity``, REDEMPTION_VALUE ``value``."""

    quantity: int
    value: int

    def of(self, kpi: str) -> int:
        return self.value if kpi == "REDEMPTION_VALUE" else self.quantity

    def times(self, quantity: int) -> Count:
        """``quantity`` units of the reward in one issuance."""
        return Count(self.quantity * quantity, self.value * quantity)


# A price in points beyond what a balance can hold (JSON's exact integers) is refused, not rounded.
MAX_PRICE = 2**53


def offered(configs: Sequence[Mapping[str, Any]], mode: str) -> dict[str, Any]:
    """The reward's paymentConfig of ``mode``; a mode it does not list is refused."""
    for config in configs:
        if config["paymentMode"] == mode:
            return dict(config)
    listed = ", ".join(c["paymentMode"] for c in configs) or "none"
    raise Unavailable(
        f"The reward is not offered for {mode} (its payment modes: {listed})",
        code=IssuanceCode.PAYMENT_MODE_NOT_OFFERED,
        field="paymentMode",
    )


def price_of(config: Mapping[str, Any], unit_value: int, quantity: int, cash_ref: str | None) -> dict[str, Any]:
    """What ``quantity`` units cost in one of the reward's paymentConfigs (docs/issuance.md, "Purchase"):
    ``points`` times quantity and ``cash`` times quantity as the config says; CONV_RATIO converts the reward's
    value (what it counts toward REDEMPTION_VALUE) at ``conversionRatio`` points per unit of value,
    rounded up to a whole point per unit, so a customer never pays less than the ratio."""
    mode = config["paymentMode"]
    points = int(config.get("points") or 0) * quantity
    if mode == PaymentMode.CONV_RATIO:
        per_unit = unit_value * float(config["conversionRatio"])
        if not per_unit < MAX_PRICE:  # also inf and nan
            raise Unavailable("The reward's price in points is too large to pay", code=IssuanceCode.NOT_DELIVERABLE)
        points = math.ceil(per_unit) * quantity
    cash = float(config["cash"]) * quantity if config.get("cash") is not None else None
    return {"mode": mode, "points": points, "cash": cash, "cashPaymentRef": cash_ref if cash is not None else None}


def count_of(reward_type: str | None, config: Mapping[str, Any], intouch_points: int | None) -> Count:
    """One issuance is quantity 1; its value is what it delivers, by kind (docs/issuance.md):
    points → the points credited; product → the units; competition_entry → the entries; a coupon → 1;
    a vendor-fulfilled Capillary reward (MILES, GIFT_CARD …) → its intouchPoints, else 1."""
    if reward_type == RewardType.POINTS:
        amount = config["amount"]
        if amount != int(amount):
            # Balances count whole points; crediting 10 for 10.5 would give less than the reward says.
            raise Unavailable(
                f"The reward's points amount {amount} is not a whole number of points",
                code=IssuanceCode.NOT_DELIVERABLE,
            )
        return Count(1, int(amount))
    if reward_type == RewardType.PRODUCT:
        return Count(1, int(config.get("quantity", 1)))
    if reward_type == RewardType.COMPETITION_ENTRY:
        return Count(1, int(config.get("entries", 1)))
    if reward_type in (RewardType.UNIQUE_COUPON, RewardType.NON_UNIQUE_COUPON):
        return Count(1, 1)
    return Count(1, intouch_points if intouch_points and intouch_points > 0 else 1)


Level = Literal["rewardLevel", "customerLevel"]
# What makes a restriction the one it is: its level and every field but the number (``limit``).
_IDENTITY = ("kpi", "windowType", "repeatFrequencyType", "interval", "weekStartDay", "startOfCycle")


@dataclass(frozen=True)
class LimitRule:
    """One entry of a reward's ``restrictions``, with a stable identity for its counters.

    ``key`` is a digest of what the restriction *is* (level, KPI, window,
    frequency, interval, week start, cycle start) plus its rank among identical
    ones — not its position in the list. Editing an entry's ``limit`` keeps its
    counts (raise it and more may be issued at once; lower it below what was
    used and nothing more is, until the window resets); editing what it is
    gives it a new identity and fresh counts; reordering or removing other
    entries changes nothing for it.
    """

    level: Level
    index: int
    key: str
    kpi: str
    cap: int
    entry: Mapping[str, Any]

    @property
    def per_customer(self) -> bool:
        return self.level == "customerLevel"


def limit_rules(restrictions: Mapping[str, Any] | None) -> list[LimitRule]:
    """Every limit of a reward: reward-level entries in order, then customer-level ones (the
    order refusals and views name them in; the pipeline's plan takes customer-level ones first)."""
    rules: list[LimitRule] = []
    for level in ("rewardLevel", "customerLevel"):
        seen: dict[str, int] = {}
        for index, entry in enumerate((restrictions or {}).get(level) or []):
            identity = json.dumps([level, *(entry.get(f) for f in _IDENTITY)], sort_keys=True, default=str)
            digest = hashlib.sha256(identity.encode()).hexdigest()[:40]
            rank = seen.get(digest, 0)
            seen[digest] = rank + 1
            rules.append(
                LimitRule(
                    level=level,
                    index=index,
                    key=f"{digest}.{rank}",
                    kpi=entry["kpi"],
                    cap=int(entry["limit"]),
                    entry=entry,
                )
            )
    return rules


class LimitReached(Conflict):
    """A limit would be exceeded: which one, its window, and when it resets."""

    def __init__(self, rule: LimitRule, resets_at: datetime | None) -> None:
        level = "customer" if rule.per_customer else "reward"
        window = rule.entry.get("windowType")
        frequency = rule.entry.get("repeatFrequencyType")
        interval = rule.entry.get("interval")
        described = "lifetime" if frequency == "NO_LIMIT" else f"{window} {interval} {frequency}"
        super().__init__(
            f"The {level}-level limit restrictions.{rule.level}[{rule.index}] ({rule.kpi}, {described}, "
            f"limit {rule.cap}) is reached" + (f"; it resets at {iso_ms(resets_at)}" if resets_at else ""),
            code=IssuanceCode.CUSTOMER_LIMIT_REACHED if rule.per_customer else IssuanceCode.REWARD_LIMIT_REACHED,
            field=f"restrictions.{rule.level}[{rule.index}]",
            details={
                "level": rule.level,
                "index": rule.index,
                "kpi": rule.kpi,
                "windowType": window,
                "repeatFrequencyType": frequency,
                "interval": interval,
                "limit": rule.cap,
                "resetsAt": iso_ms(resets_at) if resets_at else None,
            },
        )
        self.rule = rule
        self.resets_at = resets_at
