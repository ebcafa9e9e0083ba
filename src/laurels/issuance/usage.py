"""How much of each limit is used now: what the customer views judge ``rewardRestrictions.isValid`` by.

For a page of rewards and one customer, one query reads every counter of
those rewards for that customer and for everyone (``EVERY_CUSTOMER``), and
keeps each limit's current window; a ROLLING limit, which has no counter per
window, is summed from the issuances in its window (one query per such limit:
they are rare). The answer feeds ``rewards.eligibility.within_limits``, the
same judgement the rest of the offer rules make.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from laurels.customers.repository import CustomerRepository
from laurels.issuance import windows
from laurels.issuance.models import EVERY_CUSTOMER
from laurels.issuance.repository import EPOCH, IssuanceRepository
from laurels.issuance.rules import limit_rules
from laurels.rewards.eligibility import Usage
from laurels.tenancy.repository import TenancyRepository


class UsageReader:
    def __init__(self, session: Session) -> None:
        self.records = IssuanceRepository(session)
        self.customers = CustomerRepository(session)
        self.tenancy = TenancyRepository(session)

    def of(
        self, org_id: str, rewards: Iterable[tuple[int, Mapping[str, Any] | None]], user_id: str | None, now: datetime
    ) -> dict[int, Usage]:
        """For each (reward pk, its ``restrictions``), how much of each of its limits is used now."""
        limited = [(pk, restrictions) for pk, restrictions in rewards if restrictions]
        if not limited:
            return {}
        customer = self.customers.get(org_id, user_id) if user_id else None
        customer_pk = customer.id if customer is not None else None
        org = self.tenancy.get_org(org_id)
        tz = ZoneInfo(org.timezone if org is not None else "UTC")
        subjects = [EVERY_CUSTOMER] if customer_pk is None else [EVERY_CUSTOMER, customer_pk]
        counters = self.records.counters([pk for pk, _ in limited], subjects)
        usage: dict[int, Usage] = {}
        for pk, restrictions in limited:
            used: dict[tuple[str, int], float] = {}
            for rule in limit_rules(restrictions):
                subject = customer_pk if rule.per_customer else EVERY_CUSTOMER
                if subject is None:  # an unknown customer has used nothing
                    continue
                window = windows.window_at(windows.WindowRule.of(rule.entry, tz), now, tz)
                if rule.entry.get("windowType") == "ROLLING" and window.start is not None:
                    since_subject = subject if rule.per_customer else None
                    used[(rule.level, rule.index)] = self.records.issued_since(
                        pk, since_subject, window.start, rule.kpi
                    )
                else:
                    used[(rule.level, rule.index)] = counters.get((pk, rule.key, subject, window.start or EPOCH), 0)
            usage[pk] = _reader(used)
        return usage


def _reader(used: dict[tuple[str, int], float]) -> Usage:
    def usage(level: str, index: int) -> float:
        return used.get((level, index), 0)

    return usage
