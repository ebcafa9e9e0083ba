"""After an issuance: redeemed at a till, or reversed. Each exactly once; never both. Never commits.

Both begin with one conditional UPDATE of the issuance's state (``issued`` to
``redeemed`` or ``reversed``): of a redeem and a reverse racing for one
issuance, the second waits on the row and finds the state moved, so exactly
one wins. A reversal then undoes, in the same transaction, everything the
issuance did — in the lock order the pipeline takes (points account, code,
counters, stock):

- points: what a points reward credited is taken back (refused with
  ``INSUFFICIENT_POINTS`` if the customer has spent them: the whole reversal
  rolls back), what a purchase debited is refunded; each a ``reversal`` entry;
- an unredeemed code is voided, never issued again (the customer has seen it);
- competition entries are withdrawn;
- every limit counter the issuance took (``Issuance.counted``) gets its amount
  back, and ROLLING sums stop counting it;
- a tracked product's stock gets its units back.

A second reverse of a reversed issuance answers it again and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from laurels.codepools.models import REDEEMED as CODE_REDEEMED
from laurels.codepools.models import VOID
from laurels.issuance.ledger import insufficient
from laurels.issuance.models import ISSUED, REDEEMED, REVERSED, Issuance
from laurels.issuance.repository import IssuanceRepository
from laurels.issuance.rules import IssuanceCode
from laurels.kit.clock import iso_ms
from laurels.kit.errors import Conflict, NotFound
from laurels.kit.validation import DESCRIPTION_MAX, require_fields, text
from laurels.rewards.rules import RewardType


class RedemptionService:
    def __init__(self, session: Session) -> None:
        self.records = IssuanceRepository(session)

    def redeem(self, org_id: str, transaction_id: str, now: datetime) -> Issuance:
        """Mark an issued reward used (a code shown at a till), once."""
        issuance = self._issuance(org_id, transaction_id)
        won = self.records.transition(issuance.id, ISSUED, REDEEMED, redeemed_at=now)
        if won:
            self.records.mark_code(issuance.id, CODE_REDEEMED)
        self.records.reload(issuance)
        if not won:
            raise self._moved(issuance)
        return issuance

    def reverse(self, org_id: str, transaction_id: str, values: Mapping[str, Any], now: datetime) -> Issuance:
        """Undo an issuance that is not redeemed (module docstring); a reversed one is answered as it is."""
        require_fields(values, ("reason",))
        reason = text(values["reason"], field="reason", code=IssuanceCode.INVALID_REASON, max_length=DESCRIPTION_MAX)
        issuance = self._issuance(org_id, transaction_id)
        if not self.records.transition(issuance.id, ISSUED, REVERSED, reversed_at=now, reversal_reason=reason):
            self.records.reload(issuance)
            if issuance.state == REVERSED:
                return issuance
            raise self._moved(issuance)
        self._undo(issuance, now)
        self.records.reload(issuance)
        return issuance

    def _undo(self, issuance: Issuance, now: datetime) -> None:
        self._undo_points(issuance, now)
        self.records.mark_code(issuance.id, VOID)
        self.records.remove_entries(issuance.id)
        if issuance.reward_pk is not None:
            for counted in issuance.counted or []:
                self.records.release_counter(issuance.reward_pk, counted)
        delivered = issuance.delivered or {}
        if issuance.reward_type == RewardType.PRODUCT and delivered.get("productId"):
            self.records.restore_stock(issuance.org_id, delivered["productId"], int(delivered["quantity"]))

    def _undo_points(self, issuance: Issuance, now: datetime) -> None:
        """One account, one movement: what the reward credited is taken back, what was paid refunded."""
        credited = int((issuance.delivered or {}).get("points") or 0)
        paid = int((issuance.payment or {}).get("points") or 0)
        net = paid - credited
        if net == 0:
            return
        customer = issuance.customer_pk
        if net > 0:
            balance = self.records.credit_points(issuance.org_id, customer, net, now)
        else:
            taken = self.records.debit_points(customer, -net, now)
            if taken is None:
                raise insufficient(self.records.balance(customer), -net)
            balance = taken
        self.records.add_points_entry(
            issuance.org_id, customer, kind="reversal", amount=net, balance=balance, issuance_pk=issuance.id, now=now
        )

    def _issuance(self, org_id: str, transaction_id: str) -> Issuance:
        found = self.records.issuance(org_id, transaction_id)
        if found is None:
            raise NotFound("Issuance not found", code=IssuanceCode.ISSUANCE_NOT_FOUND)
        return found

    @staticmethod
    def _moved(issuance: Issuance) -> Conflict:
        if issuance.state == REDEEMED and issuance.redeemed_at is not None:
            redeemed = iso_ms(issuance.redeemed_at)
            return Conflict(
                f"The reward was already redeemed at {redeemed}",
                code=IssuanceCode.ALREADY_REDEEMED,
                details={"redeemedAt": redeemed},
            )
        reversed_at = iso_ms(issuance.reversed_at) if issuance.reversed_at is not None else None
        return Conflict(
            f"The issuance was reversed at {reversed_at}",
            code=IssuanceCode.ISSUANCE_REVERSED,
            details={"reversedAt": reversed_at},
        )
