"""One reward, two vocabularies: the mapping between the row and its wire-keyed state.

A reward's *state* is a dict keyed by the wire names both APIs use (seed 003's
``languageSpecificInfo``, ``paymentConfigs`` ...; seed 004's ``rewardType``,
``config``, ``metadata``). Services change a state and write it back; the
editability table and the rules speak the same names.
"""

from __future__ import annotations

from typing import Any

from laurels.rewards.blocks import PARSERS, language_info
from laurels.rewards.models import Reward
from laurels.rewards.rules import RewardType

# Wire name -> column attribute, for the fields stored as columns.
COLUMNS: dict[str, str] = {
    "rewardType": "reward_type",
    "config": "config",
    "metadata": "meta",
    "enabled": "enabled",
    "brandId": "brand_id",
    "type": "category",
    "redemptionType": "redemption_type",
    "startTime": "start_at",
    "endTime": "end_at",
    "priority": "priority",
    "rewardRank": "reward_rank",
    "intouchPoints": "intouch_points",
    "intouchSeriesId": "intouch_series_id",
    "tier": "tier",
    "group": "group_name",
    "label": "label",
    "vendorId": "vendor_id",
    "createdBy": "created_by",
    "lastUpdatedBy": "last_updated_by",
}
CONTENT = ("name", "description")
# The rest of seed 003's fields live in the reward's catalog document.
DOCUMENT: tuple[str, ...] = tuple(f for f in PARSERS if f not in COLUMNS and f not in CONTENT)
_LIST_FIELDS = frozenset(
    {
        "communications",
        "categories",
        "geography",
        "languageSpecificInfo",
        "owners",
        "supplementaryCriteriaRO",
        "segment",
        "cardSeries",
        "labels",
        "groups",
        "rewardRevenueMeta",
        "rewardRevenueDefaults",
        "paymentConfigs",
        "orgLevelRestrictions",
    }
)


def _empty(field: str) -> Any:
    if field in _LIST_FIELDS:
        return []
    return {} if field == "customFields" else None


def new_state() -> dict[str, Any]:
    """The state of a reward nobody has described yet."""
    state: dict[str, Any] = dict.fromkeys(COLUMNS)
    state.update(config={}, metadata={}, enabled=True, priority=0)
    state.update({f: _empty(f) for f in DOCUMENT})
    state.update(name=None, description=None)
    return state


def document_of(reward: Reward) -> dict[str, Any]:
    """The seed 003 blocks a reward keeps in its document, each defaulted when absent."""
    catalog = reward.catalog
    return {f: catalog[f] if f in catalog else _empty(f) for f in DOCUMENT}


def to_state(reward: Reward) -> dict[str, Any]:
    state = {wire: getattr(reward, attr) for wire, attr in COLUMNS.items()}
    state.update(document_of(reward))
    state.update(name=reward.name, description=reward.description)
    return state


def apply_state(reward: Reward, state: dict[str, Any]) -> None:
    for wire, attr in COLUMNS.items():
        setattr(reward, attr, state[wire])
    reward.catalog = {f: state[f] for f in DOCUMENT}
    reward.name = state["name"]
    reward.description = state["description"]


def sync_content(state: dict[str, Any], changes: dict[str, Any]) -> None:
    """``name``/``description`` are the default (first) language's; keep both views in step.

    When a body carries both, its languageSpecificInfo wins: it is the richer,
    per-language source, and the vendor's examples send both with different names.
    """
    languages = state.get("languageSpecificInfo") or []
    if "languageSpecificInfo" not in changes and ({"name", "description"} & set(changes)):
        if languages:
            first = dict(languages[0])
            if "name" in changes and changes["name"] is not None:
                first["name"] = changes["name"]
            if "description" in changes:
                first["description"] = changes["description"]
            languages = [first, *languages[1:]]
        else:
            languages = language_info(
                [{"languageCode": "en", "name": changes.get("name"), "description": changes.get("description")}]
            )
        state["languageSpecificInfo"] = languages
    if languages:
        state["name"] = languages[0]["name"]
        state["description"] = languages[0].get("description")


def number_payment_configs(state: dict[str, Any], before: list[dict[str, Any]]) -> None:
    """Give each payment config an id: a mode keeps the id it had; a new mode takes the next free one."""
    kept = {c["paymentMode"]: c["id"] for c in before if "id" in c}
    configs = [dict(c) for c in state.get("paymentConfigs") or []]
    taken = {c["id"] for c in configs if "id" in c} | set(kept.values())
    for config in configs:
        if "id" not in config:
            config["id"] = kept.get(config["paymentMode"]) or max(taken, default=0) + 1
            taken.add(config["id"])
    state["paymentConfigs"] = configs


DEFAULT_CATEGORY = {
    RewardType.POINTS: "POINTS",
    RewardType.PRODUCT: "PHYSICAL_VOUCHER",
}
# What a seed 004 reward is called in seed 003's fulfilment vocabulary.
REDEMPTION_OF = {
    RewardType.UNIQUE_COUPON: "INTOUCH_REWARD",
    RewardType.PRODUCT: "PHYSICAL_REWARD",
    RewardType.COMPETITION_ENTRY: "SWEEPSTAKES",
    RewardType.NON_UNIQUE_COUPON: "VOUCHER",
}
