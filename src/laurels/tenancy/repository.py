from __future__ import annotations

from sqlalchemy import bindparam, select

from laurels.kit.repository import Repository
from laurels.kit.statements import Prepared
from laurels.kit.validation import fold
from laurels.tenancy.models import ApiKey, Brand, Org

# Whether a brand is the org's: asked by every reward write that names one, so past the ORM.
_BRAND_IN_ORG = Prepared(select(Brand.id).where(Brand.org_id == bindparam("org_id"), Brand.id == bindparam("pk")))


class TenancyRepository(Repository):
    def get_org(self, org_id: str) -> Org | None:
        return self.session.get(Org, org_id)

    def get_api_key(self, key_id: str) -> ApiKey | None:
        return self.session.get(ApiKey, key_id)

    def get_brand_by_name(self, org_id: str, name: str) -> Brand | None:
        """The org's brand of that name, regardless of case (its unique key is the folded name)."""
        return self.session.scalar(select(Brand).where(Brand.org_id == org_id, Brand.name_key == fold(name)))

    def brands(self, org_id: str) -> list[Brand]:
        return list(self.session.scalars(select(Brand).where(Brand.org_id == org_id).order_by(Brand.id)))

    def has_brand(self, org_id: str, brand_id: int) -> bool:
        return _BRAND_IN_ORG.first(self.session, {"org_id": org_id, "pk": brand_id}) is not None

    def connected_org_ids(self, org_id: str) -> list[str]:
        """Every org in the org's connected tree (its root and all the root's descendants)."""
        root = ([org_id, *self.ancestor_ids(org_id)])[-1]
        tree, frontier = [root], [root]
        while frontier:
            frontier = list(self.session.scalars(select(Org.id).where(Org.parent_id.in_(frontier))))
            tree.extend(frontier)
        return tree

    def ancestor_ids(self, org_id: str) -> list[str]:
        """The org's parents, nearest first (the tree is shallow; one query a level)."""
        chain: list[str] = []
        current = self.session.scalar(select(Org.parent_id).where(Org.id == org_id))
        while current is not None and current not in chain:
            chain.append(current)
            current = self.session.scalar(select(Org.parent_id).where(Org.id == current))
        return chain

    def list_orgs(self) -> list[Org]:
        """Every org, oldest first (operators' look-up for a lost org id, not a tenant-facing read)."""
        return list(self.session.scalars(select(Org).order_by(Org.created_at, Org.id)))

    def list_api_keys(self, org_id: str) -> list[ApiKey]:
        """Every key of the org, revoked ones included, oldest first."""
        return list(
            self.session.scalars(select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.created_at, ApiKey.id))
        )
