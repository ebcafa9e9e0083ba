"""What a reward names must exist: labels, card series, custom fields, programs, segments,
categories, vendors, countries, coupon series, connected orgs.

Each check reads the database through a repository and refuses with a stable
code the dialects map to their own (e.g. Capillary's 12048 for a label).
Only fields that change are checked: a reward is not refused for what it
already held.

What a reward names cannot be deleted, whatever the timing. The ids live in
the reward's JSON document, so no foreign key can say so; instead:

* the reward repository keeps ``reward_references`` (one row per (kind, key) a
  reward names, see ``referenced_keys``) in the reward's transaction, and a
  delete asks it whether the row is in use: one indexed query;
* on PostgreSQL, the checks below lock every row they find ``FOR KEY SHARE``
  (in primary key order, see ``reference.repository``), and a delete locks its
  row ``FOR UPDATE`` before it asks. The two locks conflict, so one of them
  waits for the other's commit: either the reward committed first and the
  delete, reading after its lock with a fresh READ COMMITTED snapshot, sees
  the reward's reference rows (409 <KIND>_IN_USE); or the delete committed
  first and the reward's locking read skips the deleted row (the same
  <KIND>_NOT_FOUND a sequential request gets). Without the locks both can
  pass their check and commit, leaving a reward naming a deleted row.
  Real foreign keys from ``reward_references`` would need a column per kind
  (ten tables, two of them named by text that can be renamed) and would turn
  a lost race into an IntegrityError after the fact; the locks give the
  sequential answer, as the payout code's do;
* on SQLite there are no row locks and the clauses render nothing: every
  write transaction begins with ``BEGIN IMMEDIATE`` and holds the database's
  one write lock until it ends, so a reward write and a delete never overlap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from laurels.codepools.repository import CodePoolRepository
from laurels.kit.errors import InvalidInput
from laurels.kit.validation import row_id
from laurels.reference.countries import country_by_id
from laurels.reference.repository import ReferenceRepository
from laurels.reference.service import ReferenceCode
from laurels.rewards.vocabulary import SERIES_NUMERIC, RewardCode
from laurels.tenancy.repository import TenancyRepository


def referenced_keys(state: Mapping[str, Any]) -> set[tuple[str, Any]]:
    """Every (kind, key) of reference data a reward's state names, kinds as in ReferenceCode."""
    keys: set[tuple[str, Any]] = set()
    keys |= {("LABEL", v) for v in state.get("labels") or []}
    keys |= {("CARD_SERIES", v) for v in state.get("cardSeries") or []}
    keys |= {("CATEGORY", v) for v in state.get("categories") or []}
    if state.get("vendorId") is not None:
        keys.add(("VENDOR", state["vendorId"]))
    fields = set(state.get("customFields") or {})
    for entry in state.get("languageSpecificInfo") or []:
        fields |= set(entry.get("customFields") or {})
    keys |= {("CUSTOM_FIELD", name) for name in fields}
    for criterion in state.get("supplementaryCriteriaRO") or []:
        keys.add(("LOYALTY_PROGRAM", criterion["loyaltyProgramId"]))
        keys |= {("TIER", t) for t in criterion.get("tierIds") or []}
        keys |= {("PARTNER_PROGRAM", p) for p in criterion.get("partnerProgramIds") or []}
    for entry in state.get("segment") or []:
        keys.add(("SEGMENT", entry["segmentId"]))
        keys |= {("PARTITION", p) for p in entry.get("partitionId") or []}
    return keys


def _ids(values: list[Any]) -> str:
    return ", ".join(str(v) for v in values)


class ReferenceChecker:
    def __init__(self, session: Session) -> None:
        self.refs = ReferenceRepository(session)
        self.pools = CodePoolRepository(session)
        self.tenancy = TenancyRepository(session)

    def check(self, org_id: str, reward: Mapping[str, Any], changed: set[str]) -> int | None:
        """Check every changed reference; returns the code pool the series id binds to, if any."""
        if "labels" in changed:
            self._labels(org_id, reward["labels"])
        if "cardSeries" in changed:
            missing = self.refs.missing_card_series(org_id, reward["cardSeries"], lock=True)
            if missing:
                raise InvalidInput(
                    f"card series not found: {_ids(missing)}",
                    code=ReferenceCode.CARD_SERIES_NOT_FOUND,
                    field="cardSeries",
                )
        if changed & {"customFields", "languageSpecificInfo"}:
            self._custom_fields(org_id, reward)
        if "supplementaryCriteriaRO" in changed:
            self._programs(org_id, reward["supplementaryCriteriaRO"])
        if "segment" in changed:
            self._segments(org_id, reward["segment"])
        if "categories" in changed:
            missing_categories = self.refs.missing_categories(org_id, reward["categories"], lock=True)
            if missing_categories:
                raise InvalidInput(
                    f"Category not found for category_id: {_ids(missing_categories)}",
                    code=ReferenceCode.CATEGORY_NOT_FOUND,
                    field="categories",
                )
        vendor = reward.get("vendorId")
        if "vendorId" in changed and vendor is not None and self.refs.missing_vendors(org_id, [vendor], lock=True):
            raise InvalidInput(
                f"Vendor not found for vendor_id: {reward['vendorId']}",
                code=ReferenceCode.VENDOR_NOT_FOUND,
                field="vendorId",
            )
        if "geography" in changed:
            for i, entry in enumerate(reward["geography"]):
                if country_by_id(entry["countryId"]) is None:
                    raise InvalidInput(
                        f"Country not found for countryId: {entry['countryId']}",
                        code=ReferenceCode.COUNTRY_NOT_FOUND,
                        field=f"geography[{i}].countryId",
                    )
        if "orgLevelRestrictions" in changed:
            self._connected_orgs(org_id, reward["orgLevelRestrictions"])
        return self.series_pool(org_id, reward) if changed & {"intouchSeriesId", "redemptionType"} else None

    def series_pool(self, org_id: str, reward: Mapping[str, Any]) -> int | None:
        """The code pool a numeric coupon series id names; it must exist and hold codes."""
        series = reward.get("intouchSeriesId")
        if reward.get("redemptionType") not in SERIES_NUMERIC or series is None or not series.isdigit():
            return None
        pk = row_id(series)
        pool = self.pools.get_by_pk(org_id, pk) if pk is not None else None
        if pool is None or not self.pools.has_available(pool.id):
            raise InvalidInput(
                "intouchSeriesId must reference an existing code pool (coupon series) with available codes",
                code=RewardCode.CODE_POOL_NOT_FOUND,
                field="intouchSeriesId",
            )
        return pool.id

    def brand(self, org_id: str, brand_id: Any) -> int:
        pk = row_id(brand_id) if isinstance(brand_id, int) else None
        if pk is None or not self.tenancy.has_brand(org_id, pk):
            raise InvalidInput(
                f"Brand not found for brandId: {brand_id}", code=RewardCode.BRAND_NOT_FOUND, field="brandId"
            )
        return pk

    def _labels(self, org_id: str, labels: list[int]) -> None:
        missing = self.refs.missing_labels(org_id, labels, lock=True)
        if missing:
            raise InvalidInput(
                f"Label not found for label_id: {_ids(missing)}", code=ReferenceCode.LABEL_NOT_FOUND, field="labels"
            )

    def _custom_fields(self, org_id: str, reward: Mapping[str, Any]) -> None:
        languages = reward.get("languageSpecificInfo") or []
        used = set(reward.get("customFields") or {})
        for entry in languages:
            used |= set(entry.get("customFields") or {})
        defs = {d.name: d for d in self.refs.custom_field_defs(org_id, "reward", lock=used)}
        unknown = sorted(used - set(defs))
        if unknown:
            raise InvalidInput(
                f"org doesn't have the custom field/s: {','.join(unknown)}",
                code=ReferenceCode.CUSTOM_FIELD_NOT_FOUND,
                field="customFields",
            )
        # A mandatory field must have a value on the reward or in its default language.
        present = set(reward.get("customFields") or {})
        if languages:
            present |= set(languages[0].get("customFields") or {})
        missing = sorted(name for name, d in defs.items() if d.mandatory and name not in present)
        if missing:
            raise InvalidInput(
                f"Mandatory custom field/s missing: {','.join(missing)}",
                code=RewardCode.MANDATORY_CUSTOM_FIELD_MISSING,
                field="customFields",
            )

    def _programs(self, org_id: str, criteria: list[dict[str, Any]]) -> None:
        programs = [c["loyaltyProgramId"] for c in criteria]
        # Programs first, then their children: the order a program's delete takes them in.
        if self.refs.missing_loyalty_programs(org_id, programs, lock=True):
            raise InvalidInput(
                "Passed loyalty programId is not exists",
                code=ReferenceCode.LOYALTY_PROGRAM_NOT_FOUND,
                field="supplementaryCriteriaRO",
            )
        for i, entry in enumerate(criteria):
            program = entry["loyaltyProgramId"]
            missing_tiers = self.refs.missing_tiers(org_id, program, entry.get("tierIds") or [], lock=True)
            if missing_tiers:
                raise InvalidInput(
                    f"Tier not found in loyalty program {program}: {_ids(missing_tiers)}",
                    code=ReferenceCode.TIER_NOT_FOUND,
                    field=f"supplementaryCriteriaRO[{i}].tierIds",
                )
            partners = entry.get("partnerProgramIds") or []
            if self.refs.missing_partner_programs(org_id, program, partners, lock=True):
                raise InvalidInput(
                    "Passed entityId is not exists",
                    code=ReferenceCode.PARTNER_PROGRAM_NOT_FOUND,
                    field=f"supplementaryCriteriaRO[{i}].partnerProgramIds",
                )

    def _segments(self, org_id: str, segments: list[dict[str, Any]]) -> None:
        # Segments first, then their partitions: the order a segment's delete takes them in.
        missing = self.refs.missing_segments(org_id, [s["segmentId"] for s in segments], lock=True)
        if missing:
            raise InvalidInput(
                f"Segment not found for segmentId: {_ids(missing)}",
                code=ReferenceCode.SEGMENT_NOT_FOUND,
                field="segment",
            )
        for i, entry in enumerate(segments):
            missing = self.refs.missing_partitions(org_id, entry["segmentId"], entry["partitionId"], lock=True)
            if missing:
                raise InvalidInput(
                    f"Partition not found in segment {entry['segmentId']}: {_ids(missing)}",
                    code=ReferenceCode.PARTITION_NOT_FOUND,
                    field=f"segment[{i}].partitionId",
                )

    def _connected_orgs(self, org_id: str, restrictions: list[dict[str, Any]]) -> None:
        connected = set(self.tenancy.connected_org_ids(org_id))
        for i, entry in enumerate(restrictions):
            if entry["orgId"] not in connected:
                raise InvalidInput(
                    f"Org {entry['orgId']} is not connected to this org",
                    code=RewardCode.ORG_NOT_CONNECTED,
                    field=f"orgLevelRestrictions[{i}].orgId",
                )
