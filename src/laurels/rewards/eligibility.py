"""May this customer have this reward? Audience, geography, org restriction and limits.

Plain Python over the reward's wire-keyed state and a customer profile, so the
rules are unit-tested without a database and every API surface shares them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Profile:
    """What eligibility reads of a customer. A userId Laurels has never seen has the empty profile."""

    tiers: Mapping[int, int] = field(default_factory=dict)  # loyalty program id -> tier id
    labels: frozenset[int] = frozenset()
    card_series: frozenset[str] = frozenset()
    partitions: frozenset[tuple[int, int]] = frozenset()  # (segment id, partition id)
    partner_programs: frozenset[int] = frozenset()
    country_id: int | None = None

    @property
    def segments(self) -> frozenset[int]:
        return frozenset(segment for segment, _ in self.partitions)


def audience_rule(reward: Mapping[str, Any]) -> str | None:
    """The field whose members a reward is for, the one :func:`in_audience` judges by; None: everyone."""
    return next((f for f in ("cardSeries", "labels", "segment", "supplementaryCriteriaRO") if reward.get(f)), None)


def in_audience(reward: Mapping[str, Any], profile: Profile) -> bool:
    """A reward linked to card series, labels, segments or programs/tiers is for their members only."""
    if reward.get("cardSeries"):
        return bool(profile.card_series & set(reward["cardSeries"]))
    if reward.get("labels"):
        return bool(profile.labels & set(reward["labels"]))
    if reward.get("segment"):
        return any(_in_segment(entry, profile) for entry in reward["segment"])
    if reward.get("supplementaryCriteriaRO"):
        return any(_in_program(entry, profile) for entry in reward["supplementaryCriteriaRO"])
    return True


def _in_segment(entry: Mapping[str, Any], profile: Profile) -> bool:
    if not entry["partitionId"]:
        return entry["segmentId"] in profile.segments
    return any((entry["segmentId"], partition) in profile.partitions for partition in entry["partitionId"])


def _in_program(entry: Mapping[str, Any], profile: Profile) -> bool:
    tier = profile.tiers.get(entry["loyaltyProgramId"])
    if tier is None:
        return False
    if entry.get("tierIds") and tier not in entry["tierIds"]:
        return False
    partners = entry.get("partnerProgramIds")
    return not partners or bool(profile.partner_programs & set(partners))


def in_geography(reward: Mapping[str, Any], profile: Profile) -> bool:
    countries = {entry["countryId"] for entry in reward.get("geography") or []}
    return not countries or profile.country_id in countries


def visible_to_org(reward: Mapping[str, Any], owner_org_id: str, org_id: str) -> bool:
    """Connected orgs: a reward restricted to some orgs is valid only in those marked valid."""
    if org_id == owner_org_id:
        return True
    restrictions = reward.get("orgLevelRestrictions") or []
    if not restrictions:
        return True
    return any(entry["orgId"] == org_id and entry["isValid"] for entry in restrictions)


# (level, index of the rule) -> how much of it the customer (or everyone) has used in its current window.
Usage = Callable[[str, int], float]


def within_limits(reward: Mapping[str, Any], usage: Usage) -> bool:
    """One more issuance fits every reward-level and customer-level limit."""
    block = reward.get("restrictions") or {}
    for level in ("rewardLevel", "customerLevel"):
        for index, rule in enumerate(block.get(level) or []):
            step = 1 if rule["kpi"] == "QUANTITY" else 0
            used = usage(level, index)
            if used + step > rule["limit"] or (step == 0 and used >= rule["limit"]):
                return False
    return True


def is_valid_for(reward: Mapping[str, Any], profile: Profile, *, owner_org_id: str, org_id: str, usage: Usage) -> bool:
    return (
        in_audience(reward, profile)
        and in_geography(reward, profile)
        and visible_to_org(reward, owner_org_id, org_id)
        and within_limits(reward, usage)
    )
