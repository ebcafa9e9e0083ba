"""Reward groups and payout schemes: the operations. Never commits.

The rules themselves (what a valid item or rule is, which rule matches, what
it offers) are plain Python in :mod:`laurels.payouts.rules`; this module binds
them to the org's rows. The locks are explained in
:mod:`laurels.payouts.repository`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from laurels.issuance.models import Issuance
from laurels.issuance.pipeline import IssueRequest, Pipeline
from laurels.issuance.service import PAYOUT, user_id_of
from laurels.kit import validation
from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, InvalidInput, found
from laurels.kit.pagination import decode_cursor, next_cursor
from laurels.kit.validation import fold, require_fields, row_id
from laurels.payouts.models import PayoutDraft, PayoutScheme, RewardGroup, RewardGroupItem
from laurels.payouts.repository import PayoutSchemeRepository, RewardGroupRepository
from laurels.payouts.rules import (
    Candidate,
    OptionsReason,
    PayoutCode,
    Rule,
    first_match,
    group_refs,
    guid,
    offered,
    parse_items,
    parse_query,
    parse_rules,
    unknown_group,
)
from laurels.rewards.models import Reward

# What a payout's recipient fields refuse with, as the options query does.
_QUERY_CODES = {
    "value": PayoutCode.INVALID_VALUE,
    "currency": PayoutCode.INVALID_CURRENCY,
    "country": PayoutCode.INVALID_COUNTRY,
}

# ---- reward groups --------------------------------------------------------------


@dataclass(frozen=True)
class GroupView:
    group: RewardGroup
    items: list[tuple[RewardGroupItem, Reward]]


# (message, code) of the 404 for each resource, malformed GUID or unknown row alike.
GROUP_MISSING = ("Reward group not found", PayoutCode.REWARD_GROUP_NOT_FOUND)
SCHEME_MISSING = ("Payout scheme not found", PayoutCode.PAYOUT_SCHEME_NOT_FOUND)


class RewardGroupService:
    def __init__(self, session: Session) -> None:
        self.groups = RewardGroupRepository(session)

    def get(self, org_id: str, reward_group_id: str) -> GroupView:
        group = self._group(org_id, reward_group_id)
        return self._view(group)

    def list(self, org_id: str, *, cursor: str | None, limit: int) -> tuple[list[GroupView], str | None]:
        groups = self.groups.page(org_id, after=decode_cursor(cursor), limit=limit)
        items = self.groups.items([g.id for g in groups])
        return [GroupView(g, items[g.id]) for g in groups], next_cursor([g.id for g in groups], limit)

    def create(self, org_id: str, values: Mapping[str, Any]) -> GroupView:
        require_fields(values, ("name", "rewards"))
        name = validation.name(values.get("name"), code=PayoutCode.INVALID_NAME)
        items = self._items(org_id, values.get("rewards"))
        if self.groups.name_taken(org_id, fold(name)):
            raise self._name_taken()
        now = utcnow()
        group = RewardGroup(
            org_id=org_id,
            reward_group_id=str(uuid.uuid4()),
            name=name,
            name_key=fold(name),
            created_at=now,
            updated_at=now,
        )
        try:
            self.groups.add(group)
        except IntegrityError:
            # A concurrent create took the name between our check and our insert.
            raise self._name_taken() from None
        self.groups.replace_items(group.id, items)
        return self._view(group)

    def update(self, org_id: str, reward_group_id: str, values: Mapping[str, Any]) -> GroupView:
        """Change the name and/or replace the items; fields left out keep their values."""
        group = self._group(org_id, reward_group_id, exclusive=False)
        if "name" in values:
            name = validation.name(values.get("name"), code=PayoutCode.INVALID_NAME)
            if self.groups.name_taken(org_id, fold(name), other_than=group.id):
                raise self._name_taken()
            group.name, group.name_key = name, fold(name)
        items = self._items(org_id, values.get("rewards")) if "rewards" in values else None
        if values:
            group.updated_at = utcnow()
            try:
                self.groups.flush()
            except IntegrityError:
                raise self._name_taken() from None
        if items is not None:
            self.groups.replace_items(group.id, items)
        return self._view(group)

    def delete(self, org_id: str, reward_group_id: str) -> None:
        """Delete the group; refused while a scheme's active draft names it.

        The exclusive lock waits for any publish naming the group to finish,
        and the check after it sees that publish's outcome (see the repository).
        """
        group = self._group(org_id, reward_group_id, exclusive=True)
        scheme_id = self.groups.pinned_by(group.id)
        if scheme_id is not None:
            raise self._in_use(scheme_id)
        try:
            self.groups.delete(group)
        except IntegrityError:
            # The RESTRICT foreign key of payout_draft_groups: unreachable while
            # the locks hold, and still a refusal, not a 500, if they ever did not.
            raise self._in_use(None) from None

    # ---- helpers --------------------------------------------------------------

    def _items(self, org_id: str, raw: object) -> Sequence[tuple[int, bool]]:
        """The items as (reward pk, enabled), every reward of the org's catalog and each at most once."""
        items = parse_items(raw)
        found = self.groups.resolve_rewards(org_id, {item.reward for item in items})
        unknown = [(i, item.reward) for i, item in enumerate(items) if item.reward not in found]
        if unknown:
            listed = ", ".join(f"{ident} (rewards[{i}].rewardId)" for i, ident in unknown)
            raise InvalidInput(
                f"Not in this org's catalog: {listed}",
                code=PayoutCode.UNKNOWN_REWARD,
                field=f"rewards[{unknown[0][0]}].rewardId",
            )
        first: dict[int, int] = {}
        resolved: list[tuple[int, bool]] = []
        for i, item in enumerate(items):
            reward = found[item.reward]
            if reward.id in first:
                raise InvalidInput(
                    f"rewards[{i}].rewardId repeats the reward of rewards[{first[reward.id]}]",
                    code=PayoutCode.DUPLICATE_REWARD,
                    field=f"rewards[{i}].rewardId",
                )
            first[reward.id] = i
            resolved.append((reward.id, item.enabled))
        return resolved

    def _group(self, org_id: str, reward_group_id: str, *, exclusive: bool | None = None) -> RewardGroup:
        """The org's group; ``exclusive`` locks it (True: to change it, False: shared)."""
        canonical = found(guid(reward_group_id), *GROUP_MISSING)
        if exclusive is None:
            return found(self.groups.get(org_id, canonical), *GROUP_MISSING)
        return found(self.groups.get_locked(org_id, canonical, exclusive=exclusive), *GROUP_MISSING)

    def _view(self, group: RewardGroup) -> GroupView:
        return GroupView(group, self.groups.items([group.id])[group.id])

    @staticmethod
    def _name_taken() -> Conflict:
        return Conflict(
            "A reward group with this name already exists", code=PayoutCode.REWARD_GROUP_NAME_TAKEN, field="name"
        )

    @staticmethod
    def _in_use(scheme_id: str | None) -> InvalidInput:
        where = f"payout scheme {scheme_id}" if scheme_id else "a payout scheme"
        return InvalidInput(
            f"Reward group is referenced by the published draft of {where}; publish a draft without it first",
            code=PayoutCode.REWARD_GROUP_IN_USE,
        )


# ---- payout schemes -------------------------------------------------------------


@dataclass(frozen=True)
class SchemeView:
    scheme: PayoutScheme
    drafts: list[PayoutDraft]


@dataclass(frozen=True)
class Option:
    reward: Reward
    reward_group_id: str


@dataclass(frozen=True)
class Options:
    scheme: PayoutScheme
    draft: PayoutDraft | None
    rule_index: int | None
    reason: OptionsReason | None
    rewards: list[Option] = field(default_factory=list)


class PayoutSchemeService:
    def __init__(self, session: Session) -> None:
        self.schemes = PayoutSchemeRepository(session)
        self.groups = RewardGroupRepository(session)
        self.pipeline = Pipeline(session)

    # ---- schemes ------------------------------------------------------------

    def get(self, org_id: str, payout_scheme_id: str) -> SchemeView:
        return self._view(self._scheme(org_id, payout_scheme_id))

    def list(self, org_id: str, *, cursor: str | None, limit: int) -> tuple[list[SchemeView], str | None]:
        schemes = self.schemes.page(org_id, after=decode_cursor(cursor), limit=limit)
        drafts = self.schemes.drafts([s.id for s in schemes])
        return [SchemeView(s, drafts[s.id]) for s in schemes], next_cursor([s.id for s in schemes], limit)

    def create(self, org_id: str, values: Mapping[str, Any]) -> SchemeView:
        require_fields(values, ("name",))
        now = utcnow()
        scheme = PayoutScheme(
            org_id=org_id,
            payout_scheme_id=str(uuid.uuid4()),
            name=validation.name(values.get("name"), code=PayoutCode.INVALID_NAME),
            description=validation.description(values.get("description"), code=PayoutCode.INVALID_DESCRIPTION),
            last_version=0,
            created_at=now,
            updated_at=now,
        )
        return SchemeView(self.schemes.add(scheme), [])

    def update(self, org_id: str, payout_scheme_id: str, values: Mapping[str, Any]) -> SchemeView:
        scheme = self._scheme(org_id, payout_scheme_id, lock=True)
        if "name" in values:
            scheme.name = validation.name(values.get("name"), code=PayoutCode.INVALID_NAME)
        if "description" in values:
            scheme.description = validation.description(values.get("description"), code=PayoutCode.INVALID_DESCRIPTION)
        if values:
            scheme.updated_at = utcnow()
            self.schemes.flush()
        return self._view(scheme)

    def delete(self, org_id: str, payout_scheme_id: str) -> None:
        """Delete the scheme with all its drafts; the groups its active draft named are free again."""
        canonical = found(guid(payout_scheme_id), *SCHEME_MISSING)
        self.schemes.delete(found(self.schemes.get_locked(org_id, canonical, exclusive=True), *SCHEME_MISSING))

    # ---- drafts -------------------------------------------------------------

    def get_draft(self, org_id: str, payout_scheme_id: str, draft_ident: str) -> PayoutDraft:
        return self._draft(self._scheme(org_id, payout_scheme_id), draft_ident)

    def create_draft(self, org_id: str, payout_scheme_id: str, values: Mapping[str, Any]) -> PayoutDraft:
        """A new unpublished draft: the rules sent, else a copy of ``fromDraftId``'s, else none."""
        scheme = self._scheme(org_id, payout_scheme_id, lock=True)
        if values.get("rules") is not None:
            rules = parse_rules(values.get("rules"))
        elif (from_draft := values.get("fromDraftId")) is not None:
            source = self._draft_or_none(scheme, from_draft)
            if source is None:
                raise InvalidInput(
                    "fromDraftId names no draft of this scheme", code=PayoutCode.DRAFT_NOT_FOUND, field="fromDraftId"
                )
            rules = parse_rules(source.rules)
        else:
            rules = []
        self._check_groups(org_id, rules)
        now = utcnow()
        scheme.last_version += 1
        scheme.updated_at = now
        draft = PayoutDraft(
            scheme_id=scheme.id,
            draft_id=str(uuid.uuid4()),
            version=scheme.last_version,
            rules=rules,
            active=None,
            created_at=now,
            updated_at=now,
        )
        self.schemes.add(draft)
        return draft

    def update_draft(
        self, org_id: str, payout_scheme_id: str, draft_ident: str, values: Mapping[str, Any]
    ) -> PayoutDraft:
        scheme = self._scheme(org_id, payout_scheme_id, lock=True)
        draft = self._editable(self._draft(scheme, draft_ident))
        if "rules" in values:
            rules = parse_rules(values.get("rules"))
            self._check_groups(org_id, rules)
            draft.rules = rules
            draft.updated_at = scheme.updated_at = utcnow()
            self.schemes.flush()
        return draft

    def delete_draft(self, org_id: str, payout_scheme_id: str, draft_ident: str) -> None:
        scheme = self._scheme(org_id, payout_scheme_id, lock=True)
        draft = self._editable(self._draft(scheme, draft_ident))
        scheme.updated_at = utcnow()
        self.schemes.delete(draft)

    def publish(
        self, org_id: str, payout_scheme_id: str, draft_ident: str, values: Mapping[str, Any] | None
    ) -> SchemeView:
        """Make the draft the scheme's one active draft; the one before becomes superseded (history).

        Publishing the active draft again changes nothing (a retried request
        succeeds). The groups the rules name are locked (FOR KEY SHARE, in
        primary key order) and must all still exist: a group deleted since the
        draft was saved refuses the publish, and a delete that comes after us
        waits for our commit and then finds the group pinned.
        """
        scheme = self._scheme(org_id, payout_scheme_id, lock=True)
        draft = self._draft(scheme, draft_ident)
        if draft.active:
            return self._view(scheme)
        if draft.published_at is not None:
            raise Conflict(
                "A superseded draft stays history; create a draft from it (fromDraftId) and publish that",
                code=PayoutCode.DRAFT_SUPERSEDED,
            )
        current = self.schemes.active_draft(scheme.id)
        if values is not None and "expectedActiveDraftId" in values:
            expected = values.get("expectedActiveDraftId")
            if (current.draft_id if current else None) != (guid(expected) if expected is not None else None):
                raise Conflict(
                    "The scheme's active draft is not expectedActiveDraftId any more",
                    code=PayoutCode.ACTIVE_DRAFT_CHANGED,
                    field="expectedActiveDraftId",
                )
        refs = group_refs(draft.rules)
        groups = self.groups.by_public_ids(org_id, refs, lock=True)
        present = {g.reward_group_id for g in groups}
        for group_id, where in refs.items():
            if group_id not in present:
                raise unknown_group(where, deleted=True)
        now = utcnow()
        if current is not None:
            # Demote first, in its own statement: the unique (scheme_id, active)
            # constraint is checked per statement on PostgreSQL.
            current.active = None
            current.superseded_at = now
            self.schemes.unpin(current.id)
            self.schemes.flush()
        draft.active = True
        draft.published_at = now
        scheme.updated_at = now
        self.schemes.flush()
        self.schemes.pin(draft.id, [g.id for g in groups])
        return self._view(scheme)

    # ---- options --------------------------------------------------------------

    def options(
        self, org_id: str, payout_scheme_id: str, *, value: str | None, currency: str | None, country: str | None
    ) -> Options:
        """What a recipient of (value, currency, country) may choose from, under the active draft."""
        scheme = self._scheme(org_id, payout_scheme_id)
        recipient = parse_query(value, currency, country)
        draft = self.schemes.active_draft(scheme.id)
        if draft is None:
            return Options(scheme, None, None, OptionsReason.NO_ACTIVE_DRAFT)
        rules = [Rule.of(doc) for doc in draft.rules]
        index = first_match(rules, recipient.value, recipient.currency, recipient.country)
        if index is None:
            return Options(scheme, draft, None, OptionsReason.NO_RULE_MATCHES)
        rule = rules[index]
        groups = self.groups.by_public_ids(org_id, rule.group_ids)
        items = self.groups.items([g.id for g in groups])
        rewards: dict[int, Reward] = {}
        candidates: list[Candidate] = []
        for group in groups:
            for item, reward in items[group.id]:
                rewards[reward.id] = reward
                candidates.append(
                    Candidate(
                        group_id=group.reward_group_id,
                        reward_pk=reward.id,
                        position=item.position,
                        item_enabled=item.enabled,
                        reward_enabled=reward.enabled,
                        start_at=reward.start_at,
                        end_at=reward.end_at,
                    )
                )
        chosen = [Option(rewards[c.reward_pk], c.group_id) for c in offered(rule.group_ids, candidates, utcnow())]
        return Options(scheme, draft, index, None if chosen else OptionsReason.NO_AVAILABLE_REWARDS, chosen)

    # ---- payouts --------------------------------------------------------------

    def pay_out(self, org_id: str, payout_scheme_id: str, values: Mapping[str, Any], now: datetime) -> Issuance:
        """Issue the reward a recipient chose, only if it is among the options :meth:`options` offers
        for that value, currency and country under the active draft, through the issuance pipeline
        (its state, limits and inventory hold; the customer's audience is the scheme's business)."""
        require_fields(values, ("userId", "value", "currency", "country", "rewardId"))
        raw = values["value"]
        value = str(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else raw
        currency, country = values["currency"], values["country"]
        for name, given in (("value", value), ("currency", currency), ("country", country)):
            if not isinstance(given, str):
                raise InvalidInput(f"{name} must be a string", code=_QUERY_CODES[name], field=name)
        options = self.options(org_id, payout_scheme_id, value=value, currency=currency, country=country)
        if options.reason is OptionsReason.NO_ACTIVE_DRAFT:
            raise Conflict("The payout scheme has no published draft", code=PayoutCode.NO_ACTIVE_DRAFT)
        ident = values["rewardId"]
        ident = str(ident) if isinstance(ident, int) and not isinstance(ident, bool) else ident
        chosen = next((o for o in options.rewards if ident in (o.reward.reward_id, str(o.reward.id))), None)
        if chosen is None:
            offered = [o.reward.reward_id for o in options.rewards]
            raise Conflict(
                f"The reward is not among this payout's options ({len(offered)} offered"
                + (f"; {options.reason.value}" if options.reason else "")
                + ")",
                code=PayoutCode.REWARD_NOT_OFFERED,
                field="rewardId",
                details={"offered": offered},
            )
        request = IssueRequest(
            reward=chosen.reward.reward_id,
            user_id=user_id_of(values),
            source=PAYOUT,
            campaign_id=options.scheme.payout_scheme_id,
            metadata={
                "payoutSchemeId": options.scheme.payout_scheme_id,
                "draftId": options.draft.draft_id if options.draft is not None else None,
                "rewardGroupId": chosen.reward_group_id,
                "value": value,
                "currency": currency.upper(),
                "country": country.upper(),
            },
        )
        return self.pipeline.issue(org_id, request, now)

    # ---- helpers --------------------------------------------------------------

    def _check_groups(self, org_id: str, rules: Sequence[dict[str, object]]) -> None:
        """Every group the rules name is one of the org's, now (it may be deleted later: see publish)."""
        refs = group_refs(rules)
        existing = self.groups.existing_public_ids(org_id, refs)
        for group_id, where in refs.items():
            if group_id not in existing:
                raise unknown_group(where)

    def _scheme(self, org_id: str, payout_scheme_id: str, *, lock: bool = False) -> PayoutScheme:
        canonical = found(guid(payout_scheme_id), *SCHEME_MISSING)
        if lock:
            return found(self.schemes.get_locked(org_id, canonical), *SCHEME_MISSING)
        return found(self.schemes.get(org_id, canonical), *SCHEME_MISSING)

    def _draft_or_none(self, scheme: PayoutScheme, draft_ident: str) -> PayoutDraft | None:
        """By draftId, or by version for an all-digit ident."""
        if draft_ident.isdigit():
            version = row_id(draft_ident)
            return self.schemes.draft(scheme.id, version=version) if version is not None else None
        canonical = guid(draft_ident)
        return self.schemes.draft(scheme.id, draft_id=canonical) if canonical is not None else None

    def _draft(self, scheme: PayoutScheme, draft_ident: str) -> PayoutDraft:
        return found(self._draft_or_none(scheme, draft_ident), "Draft not found", PayoutCode.DRAFT_NOT_FOUND)

    @staticmethod
    def _editable(draft: PayoutDraft) -> PayoutDraft:
        if draft.published_at is not None:
            raise Conflict(
                f"A {draft.status} draft cannot be changed; create a new draft (fromDraftId) instead",
                code=PayoutCode.DRAFT_NOT_EDITABLE,
            )
        return draft

    def _view(self, scheme: PayoutScheme) -> SchemeView:
        return SchemeView(scheme, self.schemes.drafts([scheme.id])[scheme.id])
