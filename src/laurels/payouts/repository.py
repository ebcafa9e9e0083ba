"""Every query of reward groups and payout schemes.

Locks, and why (PostgreSQL; SQLite has no row locks, but its write
transactions begin with BEGIN IMMEDIATE and so never overlap):

* publishing a draft takes ``FOR KEY SHARE`` on the groups the draft names,
  deleting a group takes ``FOR UPDATE`` on it. The two conflict, so a publish
  and a delete of the same group run one after the other, and each re-reads
  after its lock: the publish finds the group gone, or the delete finds it
  pinned by an active draft. Key-share locks do not conflict with each other,
  nor with a rename (``FOR NO KEY UPDATE``), so publishes of different schemes
  sharing groups do not queue, and neither do renames.
* writing a group's items takes ``FOR KEY SHARE`` on the rewards it names, so
  a reward being deleted concurrently is either still there when the items
  are inserted (and its delete then cascades to them) or already gone (and
  refused by name), never a foreign key error.
* several rows are always locked in primary key order: two transactions that
  lock overlapping sets then take them in the same order and cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, or_, select

from laurels.kit.repository import OrgScopedRepository
from laurels.kit.validation import row_id
from laurels.payouts.models import PayoutDraft, PayoutDraftGroup, PayoutScheme, RewardGroup, RewardGroupItem
from laurels.rewards.models import Reward


class RewardGroupRepository(OrgScopedRepository[RewardGroup]):
    model = RewardGroup
    ident = RewardGroup.reward_group_id

    def get_locked(self, org_id: str, reward_group_id: str, *, exclusive: bool) -> RewardGroup | None:
        """The group, locked until the transaction ends: ``exclusive`` (FOR UPDATE) to delete it,
        else FOR NO KEY UPDATE to change it, which does not wait for publishes (see the module doc)."""
        stmt = select(RewardGroup).where(RewardGroup.org_id == org_id, RewardGroup.reward_group_id == reward_group_id)
        return self.session.scalar(stmt.with_for_update(key_share=not exclusive))

    def name_taken(self, org_id: str, name_key: str, *, other_than: int | None = None) -> bool:
        stmt = select(RewardGroup.id).where(RewardGroup.org_id == org_id, RewardGroup.name_key == name_key)
        if other_than is not None:
            stmt = stmt.where(RewardGroup.id != other_than)
        return self.session.scalar(stmt) is not None

    def by_public_ids(self, org_id: str, group_ids: Collection[str], *, lock: bool = False) -> list[RewardGroup]:
        """The org's groups among ``group_ids``, in primary key order.

        ``lock`` takes FOR KEY SHARE on each (a publish: see the module doc);
        the ORDER BY makes the lock order the primary key order.
        """
        if not group_ids:
            return []
        stmt = (
            select(RewardGroup)
            .where(RewardGroup.org_id == org_id, RewardGroup.reward_group_id.in_(list(group_ids)))
            .order_by(RewardGroup.id)
        )
        if lock:
            stmt = stmt.with_for_update(read=True, key_share=True)
        return list(self.session.scalars(stmt))

    def existing_public_ids(self, org_id: str, group_ids: Collection[str]) -> set[str]:
        if not group_ids:
            return set()
        stmt = select(RewardGroup.reward_group_id).where(
            RewardGroup.org_id == org_id, RewardGroup.reward_group_id.in_(list(group_ids))
        )
        return set(self.session.scalars(stmt))

    # ---- items ------------------------------------------------------------

    def resolve_rewards(self, org_id: str, idents: Collection[str]) -> dict[str, Reward]:
        """ident -> reward, for the idents naming a reward of the org (a rewardId, or an integer id
        for an all-digit ident, as :meth:`RewardRepository.resolve` reads them), locked FOR KEY SHARE
        in primary key order so a concurrent delete of one waits for us or is seen to have happened."""
        pks = {pk for pk in (row_id(i) for i in idents) if pk is not None}
        names = {i for i in idents if not i.isdigit()}
        if not pks and not names:
            return {}
        stmt = (
            select(Reward)
            .where(Reward.org_id == org_id, or_(Reward.id.in_(pks), Reward.reward_id.in_(names)))
            .order_by(Reward.id)
            .with_for_update(read=True, key_share=True)
        )
        rewards = list(self.session.scalars(stmt))
        by_pk = {r.id: r for r in rewards}
        by_name = {r.reward_id: r for r in rewards}
        found: dict[str, Reward] = {}
        for ident in idents:
            pk = row_id(ident)
            reward = by_pk.get(pk) if pk is not None else (None if ident.isdigit() else by_name.get(ident))
            if reward is not None:
                found[ident] = reward
        return found

    def replace_items(self, group_pk: int, items: Sequence[tuple[int, bool]]) -> None:
        """Make the group's items exactly ``items`` ((reward pk, enabled), in order)."""
        self.session.execute(delete(RewardGroupItem).where(RewardGroupItem.group_id == group_pk))
        self.session.add_all(
            RewardGroupItem(group_id=group_pk, reward_pk=reward_pk, enabled=enabled, position=position)
            for position, (reward_pk, enabled) in enumerate(items)
        )
        self.session.flush()

    def items(self, group_pks: Sequence[int]) -> dict[int, list[tuple[RewardGroupItem, Reward]]]:
        """Each group's items with their rewards, in the group's order (groups without items map to [])."""
        found: dict[int, list[tuple[RewardGroupItem, Reward]]] = {pk: [] for pk in group_pks}
        if not group_pks:
            return found
        stmt = (
            select(RewardGroupItem, Reward)
            .join(Reward, Reward.id == RewardGroupItem.reward_pk)
            .where(RewardGroupItem.group_id.in_(list(group_pks)))
            .order_by(RewardGroupItem.group_id, RewardGroupItem.position)
        )
        for item, reward in self.session.execute(stmt).all():
            found[item.group_id].append((item, reward))
        return found

    # ---- use by payout schemes --------------------------------------------

    def pinned_by(self, group_pk: int) -> str | None:
        """The payoutSchemeId of a scheme whose active (published) draft names the group, if any."""
        stmt = (
            select(PayoutScheme.payout_scheme_id)
            .join(PayoutDraft, PayoutDraft.scheme_id == PayoutScheme.id)
            .join(PayoutDraftGroup, PayoutDraftGroup.draft_pk == PayoutDraft.id)
            .where(PayoutDraftGroup.group_pk == group_pk)
            .order_by(PayoutScheme.id)
            .limit(1)
        )
        return self.session.scalar(stmt)


class PayoutSchemeRepository(OrgScopedRepository[PayoutScheme]):
    model = PayoutScheme
    ident = PayoutScheme.payout_scheme_id

    def get_locked(self, org_id: str, payout_scheme_id: str, *, exclusive: bool = False) -> PayoutScheme | None:
        """The scheme, locked: every change to its drafts takes this first, so they apply one at a
        time (one version number each, one active draft). ``exclusive`` to delete it."""
        stmt = select(PayoutScheme).where(
            PayoutScheme.org_id == org_id, PayoutScheme.payout_scheme_id == payout_scheme_id
        )
        return self.session.scalar(stmt.with_for_update(key_share=not exclusive))

    def drafts(self, scheme_pks: Sequence[int]) -> dict[int, list[PayoutDraft]]:
        """Each scheme's drafts, by version."""
        found: dict[int, list[PayoutDraft]] = {pk: [] for pk in scheme_pks}
        if not scheme_pks:
            return found
        stmt = (
            select(PayoutDraft)
            .where(PayoutDraft.scheme_id.in_(list(scheme_pks)))
            .order_by(PayoutDraft.scheme_id, PayoutDraft.version)
        )
        for draft in self.session.scalars(stmt):
            found[draft.scheme_id].append(draft)
        return found

    def draft(self, scheme_pk: int, *, draft_id: str | None = None, version: int | None = None) -> PayoutDraft | None:
        stmt = select(PayoutDraft).where(PayoutDraft.scheme_id == scheme_pk)
        if draft_id is not None:
            stmt = stmt.where(PayoutDraft.draft_id == draft_id)
        else:
            stmt = stmt.where(PayoutDraft.version == version)
        return self.session.scalar(stmt)

    def active_draft(self, scheme_pk: int) -> PayoutDraft | None:
        stmt = select(PayoutDraft).where(PayoutDraft.scheme_id == scheme_pk, PayoutDraft.active.is_(True))
        return self.session.scalar(stmt)

    def pin(self, draft_pk: int, group_pks: Sequence[int]) -> None:
        self.session.add_all(PayoutDraftGroup(draft_pk=draft_pk, group_pk=pk) for pk in sorted(group_pks))
        self.session.flush()

    def unpin(self, draft_pk: int) -> None:
        self.session.execute(delete(PayoutDraftGroup).where(PayoutDraftGroup.draft_pk == draft_pk))
