from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from laurels.customers.models import Customer
from laurels.kit.repository import OrgScopedRepository
from laurels.kit.statements import Prepared

# What eligibility reads of a customer (rewards.offers.profile takes them by these names).
PROFILE_COLUMNS = (
    Customer.tiers,
    Customer.labels,
    Customer.card_series,
    Customer.segments,
    Customer.partner_programs,
    Customer.country_id,
)
PROFILE_FIELDS = ("tiers", "labels", "card_series", "segments", "partner_programs", "country_id")
# A customer by (org, userId), as :org_id and :user_id.
BY_USER_ID = (Customer.org_id == bindparam("org_id"), Customer.user_id == bindparam("user_id"))


_PK_OF = Prepared(select(Customer.id).where(*BY_USER_ID))


class CustomerRepository(OrgScopedRepository[Customer]):
    """Customers by (org, userId); ``get(org_id, user_id)`` is the lookup eligibility uses."""

    model = Customer
    ident = Customer.user_id

    def insert_if_absent(self, values: dict[str, Any]) -> int | None:
        """Insert the customer unless (org, userId) exists; returns the new row's id, or None.

        ``ON CONFLICT DO NOTHING`` makes the race of two first upserts of one
        userId harmless: on PostgreSQL the loser waits for the winner's
        transaction and then inserts nothing (it reads the winner's row next);
        SQLite serializes write transactions, so it only meets a committed row.
        """
        stmt = (
            self.insert_skipping_conflicts(Customer, key=("org_id", "user_id")).values(**values).returning(Customer.id)
        )
        return self.session.scalar(stmt)

    def pk_of(self, org_id: str, user_id: str) -> int | None:
        """The customer's integer id, without loading the row (issuing needs no more)."""
        row = _PK_OF.first(self.session, {"org_id": org_id, "user_id": user_id})
        return None if row is None else int(row[0])

    def by_identifier(self, org_id: str, column: str, value: str) -> Customer | None:
        """The org's customer with this mobile, email or external_id, if any."""
        stmt = select(Customer).where(Customer.org_id == org_id, getattr(Customer, column) == value)
        return self.session.scalar(stmt)

    def by_pk_in_org(self, org_id: str, pk: int) -> Customer | None:
        return self.session.scalar(select(Customer).where(Customer.org_id == org_id, Customer.id == pk))

    def by_pk(self, pk: int) -> Customer:
        return self.session.get_one(Customer, pk)
