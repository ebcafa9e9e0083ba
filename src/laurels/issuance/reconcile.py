"""Do the records agree? Balances with their ledgers, limit counters with the issuances they count.

Every write of issuing keeps these in step inside one transaction; this check
reads them back and says where they do not, for the tests after every race and
for operators (``laurels check``). It reads, never repairs. For every org:

- each points account's balance equals the sum of its customer's ledger entries;
- each limit counter's ``used`` equals what the issuances that are not
  reversed recorded taking of it (``Issuance.counted``), and every counter an
  issuance recorded exists. (A ROLLING limit's one row holds a lock, not a
  count: it stays at zero, and no issuance records taking it.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from laurels.issuance.repository import IssuanceRepository


@dataclass
class Report:
    balances_checked: int = 0
    counters_checked: int = 0
    rewards_skipped: int = 0  # their counters are not checked: issued before migration 0008
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "balancesChecked": self.balances_checked,
            "countersChecked": self.counters_checked,
            "rewardsSkipped": self.rewards_skipped,
            "mismatches": self.mismatches,
        }


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class ReconcileService:
    def __init__(self, session: Session) -> None:
        self.records = IssuanceRepository(session)

    def check(self) -> Report:
        report = Report()
        for org_id, customer_pk, balance, ledger in self.records.balances_and_ledgers():
            report.balances_checked += 1
            if balance != ledger:
                report.mismatches.append(
                    {
                        "kind": "balance",
                        "orgId": org_id,
                        "customerPk": customer_pk,
                        "balance": balance,
                        "ledger": ledger,
                    }
                )
        taken: Counter[tuple[int, str, int, datetime]] = Counter()
        unknown: set[int] = set()  # rewards with issuances from before they recorded their counters
        for reward_pk, counted in self.records.counted_by_live_issuances():
            if counted is None:
                unknown.add(reward_pk)
                continue
            for limit_key, customer_pk, start, amount in counted:
                taken[(reward_pk, limit_key, customer_pk, _utc(datetime.fromisoformat(start)))] += amount
        # A ROLLING limit's one row holds a lock, not a count: used 0, and no issuance records it.
        counters = {
            (r, k, c, _utc(w)): (org, used) for org, r, k, c, w, used in self.records.all_counters() if r not in unknown
        }
        report.counters_checked = len(counters)
        report.rewards_skipped = len(unknown)
        for key in sorted(counters.keys() | {k for k in taken if k[0] not in unknown}):
            org_id, used = counters.get(key, ("", 0))
            if used != taken[key]:
                reward_pk, limit_key, customer_pk, start = key
                report.mismatches.append(
                    {
                        "kind": "counter",
                        "orgId": org_id,
                        "rewardPk": reward_pk,
                        "limitKey": limit_key,
                        "customerPk": customer_pk,
                        "windowStart": start.isoformat(),
                        "used": used,
                        "issued": taken[key],
                    }
                )
        return report
