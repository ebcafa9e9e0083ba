"""Every statement issuing runs: each limit, stock, code and balance taken by one conditional write.

Nothing here reads a number and writes it back changed. A counter moves with
one upsert, ``INSERT … ON CONFLICT DO UPDATE SET used = used + :n``, and the
database's CHECK ``used <= cap`` refuses the one that would pass the cap (the
caller turns that refusal into the limit's 409); stock with ``stock = stock -
:q``, which the CHECK ``stock >= 0`` refuses when short; a code is claimed with ``UPDATE … WHERE id = (SELECT …
FOR UPDATE SKIP LOCKED LIMIT 1)`` on PostgreSQL (SQLite's write transactions
already run one at a time); a balance with ``balance = balance + :n``, which
the CHECK ``balance >= 0`` keeps from going below zero. The CHECK constraints
are in ``issuance.models``.

Locks, in the order one issuance takes them (``issuance.pipeline``): the
customer's points account, then one coupon code, then the reward's counters —
customer-level entries in order, then reward-level ones, the last of them at
the commit (``kit.unit.run_at_commit``) — then, also at the commit, the
product's stock row. The last counter and the stock are rows every issuance
of the reward or the product updates: taken last, in the same round trip as
the COMMIT on PostgreSQL, each is held only while the server commits. Every
issuance (and a reversal, ``issuance.redemption``) takes them in this order,
so two never wait for each other in a cycle. The customer's row is outside that
order: the foreign keys of the rows an issuance writes share-lock it (``FOR
KEY SHARE``), and nothing in an issuance locks it for update
(``CustomerService.ensure``), so it never closes a cycle either.

The statements every grant runs are built once, at import: built per call,
SQLAlchemy spent more time constructing them and computing their cache keys
than the database spent running them. Those with ``ON CONFLICT`` come in each
dialect's spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, Table, and_, bindparam, case, delete, func, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from laurels.codepools.models import AVAILABLE, ISSUED, CouponCode
from laurels.competitions.models import Competition
from laurels.customers.models import Customer
from laurels.customers.repository import BY_USER_ID, PROFILE_COLUMNS, PROFILE_FIELDS
from laurels.issuance.models import (
    REVERSED,
    CompetitionEntry,
    IdempotencyRecord,
    Issuance,
    LimitCounter,
    PointsAccount,
    PointsEntry,
)
from laurels.kit.db import violated_check
from laurels.kit.repository import Repository
from laurels.kit.statements import Prepared, document
from laurels.kit.unit import Final, run_at_commit
from laurels.kit.validation import row_id
from laurels.products.models import Product
from laurels.rewards.models import Reward
from laurels.tenancy.models import Org

# The window start of counters that have one window only: lifetime (NO_LIMIT) and ROLLING limits.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The constraints that refuse a counter taken past its cap, and stock taken below zero.
WITHIN_CAP = "ck_limit_counters_used_within_cap"
STOCK_NOT_NEGATIVE = "ck_products_stock_not_negative"
# Where a unit's final statements run among themselves (kit.unit.Final.lock_order).
_COUNTER_FIRST, _STOCK_SECOND = 0, 1

_COUNTERS = cast(Table, LimitCounter.__table__)
_ACCOUNTS = cast(Table, PointsAccount.__table__)
_ISSUANCES = cast(Table, Issuance.__table__)
_REWARDS = cast(Table, Reward.__table__)
_ORGS = cast(Table, Org.__table__)
_CUSTOMERS = cast(Table, Customer.__table__)
_PRODUCTS = cast(Table, Product.__table__)


# A reward's integer id and version (its plan is cached by them), its org's timezone, and the id
# of the org's customer :user_id (NULL if unknown), with what a purchase's audience reads of that
# customer where it is judged. Every issuance needs both the reward and the customer: one
# statement is one round trip less on PostgreSQL, one statement less in SQLite's writer turn.
def _facts(*customer: Any) -> Select[Any]:
    return (
        select(_REWARDS.c.id, _REWARDS.c.version, _ORGS.c.timezone, _CUSTOMERS.c.id, *customer)
        .select_from(_REWARDS.join(_ORGS, _ORGS.c.id == _REWARDS.c.org_id).outerjoin(_CUSTOMERS, and_(*BY_USER_ID)))
        .where(_REWARDS.c.org_id == bindparam("org_id"))
    )


# By (judged, found by its integer id): judged, the customer's profile comes too.
_FACTS = {
    (judged, by_pk): Prepared(
        facts.where(_REWARDS.c.id == bindparam("pk") if by_pk else _REWARDS.c.reward_id == bindparam("ident"))
    )
    for judged, facts in ((False, _facts()), (True, _facts(*PROFILE_COLUMNS)))
    for by_pk in (False, True)
}


def _take_counter(dialect: Any) -> Any:
    stmt = dialect.insert(_COUNTERS).values(
        org_id=bindparam("org_id"),
        reward_pk=bindparam("reward_pk"),
        limit_key=bindparam("limit_key"),
        customer_pk=bindparam("customer_pk"),
        window_start=bindparam("window_start"),
        used=bindparam("amount"),
        cap=bindparam("cap"),
    )
    # inline(): no RETURNING of the new row's id, which a statement pipelined with its
    # COMMIT could not read back before the commit.
    return stmt.on_conflict_do_update(
        index_elements=["reward_pk", "limit_key", "customer_pk", "window_start"],
        set_={"used": _COUNTERS.c.used + stmt.excluded.used, "cap": stmt.excluded.cap},
    ).inline()


def _credit(dialect: Any) -> Any:
    stmt = dialect.insert(_ACCOUNTS).values(
        customer_pk=bindparam("customer_pk"),
        org_id=bindparam("org_id"),
        balance=bindparam("amount"),
        updated_at=bindparam("now"),
    )
    return stmt.on_conflict_do_update(
        index_elements=["customer_pk"],
        set_={"balance": _ACCOUNTS.c.balance + stmt.excluded.balance, "updated_at": stmt.excluded.updated_at},
    ).returning(_ACCOUNTS.c.balance)


def _insert_all(table: Table) -> Any:
    """An INSERT of every column but the generated id, each a parameter named as its column."""
    return insert(table).values({c.key: bindparam(c.key) for c in table.c if c.key != "id"}).inline()


# A debit is a conditional UPDATE, not the credit's upsert: refused (no row) where the balance is
# short, or where there is no account yet (a balance of zero), without aborting the transaction.
_DEBIT = Prepared(
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.customer_pk == bindparam("customer_pk"), _ACCOUNTS.c.balance >= bindparam("points"))
    .values(balance=_ACCOUNTS.c.balance - bindparam("points"), updated_at=bindparam("now"))
    .returning(_ACCOUNTS.c.balance)
)

# Unconditional: the CHECK refuses stock taken below zero. An untracked product (null stock) is not written.
_TAKE_STOCK = Prepared(
    update(_PRODUCTS)
    .where(_PRODUCTS.c.id == bindparam("product_pk"), _PRODUCTS.c.stock.is_not(None))
    .values(stock=_PRODUCTS.c.stock - bindparam("quantity"))
)

_TAKE_COUNTER = {"postgresql": Prepared(_take_counter(postgresql)), "sqlite": Prepared(_take_counter(sqlite))}
_CREDIT = {"postgresql": Prepared(_credit(postgresql)), "sqlite": Prepared(_credit(sqlite))}
_ISSUE = Prepared(_insert_all(_ISSUANCES).returning(_ISSUANCES.c.id))
# (column, attribute) of every column an issuance is inserted with ("metadata" is the attribute meta).
_ISSUANCE_VALUES = [(a.columns[0].key, a.key) for a in sa_inspect(Issuance).column_attrs if a.key != "id"]
_ENTRY = Prepared(_insert_all(cast(Table, PointsEntry.__table__)))


class RewardFacts(NamedTuple):
    """What issuing reads first: the reward's row and version, its org's timezone, the customer's row."""

    reward_pk: int
    version: int
    timezone: str
    customer_pk: int | None
    # What the audience reads of the customer (PROFILE_FIELDS), where asked for and the customer is known.
    profile: dict[str, Any] | None


class IssuanceRepository(Repository):
    # ---- the reward ---------------------------------------------------------------------

    def reward_facts(self, org_id: str, ident: str, user_id: str, *, judged: bool = False) -> RewardFacts | None:
        """The reward's facts and the org's customer ``user_id``'s id (None if unknown) — with, if
        ``judged``, what its audience reads of that customer; None if the org has no such reward.

        ``ident`` is the string rewardId or, all digits, the integer id (as ``RewardRepository.resolve``).
        """
        pk = row_id(ident)
        if pk is None and ident.isdigit():
            return None
        found = {"org_id": org_id, "user_id": user_id, **({"ident": ident} if pk is None else {"pk": pk})}
        row = _FACTS[judged, pk is not None].first(self.session, found)
        if row is None:
            return None
        profile = None
        if judged and row[3] is not None:
            profile = dict(zip(PROFILE_FIELDS, (document(v) for v in row[4:]), strict=True))
        return RewardFacts(row[0], row[1], row[2], row[3], profile)

    # ---- limits ---------------------------------------------------------------------

    def ensure_counter(
        self, org_id: str, reward_pk: int, limit_key: str, *, customer_pk: int, window_start: datetime, cap: int
    ) -> None:
        """The counter row exists (created at zero if it did not; a concurrent creator wins harmlessly)."""
        stmt = self.insert_skipping_conflicts(
            LimitCounter, key=("reward_pk", "limit_key", "customer_pk", "window_start")
        ).values(
            org_id=org_id,
            reward_pk=reward_pk,
            limit_key=limit_key,
            customer_pk=customer_pk,
            window_start=window_start,
            used=0,
            cap=max(cap, 0),
        )
        self.session.execute(stmt)

    def take_counter(self, counter: dict[str, Any]) -> bool:
        """Add ``amount`` to the counter (created if it is the window's first) unless that passes
        ``cap``; False, with nothing written, if it would. ``counter`` names the row and the amount:
        org_id, reward_pk, limit_key, customer_pk, window_start, amount, cap."""
        try:
            _TAKE_COUNTER[self._dialect()].rows(self.session, counter)
        except IntegrityError as error:
            if violated_check(error.orig) == WITHIN_CAP:
                return False
            raise
        return True

    def take_counter_at_commit(self, counter: dict[str, Any], refusal: Callable[[], Exception]) -> None:
        """As :meth:`take_counter`, among the unit's last statements, with its commit: the refusal is
        raised from the commit."""
        order = (_COUNTER_FIRST, counter["reward_pk"])
        run_at_commit(self.session, Final(_TAKE_COUNTER[self._dialect()], counter, WITHIN_CAP, refusal, order))

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def counters(
        self, reward_pks: Sequence[int], customer_pks: Sequence[int]
    ) -> dict[tuple[int, str, int, datetime], int]:
        """Every counter of these rewards for these customers, by (reward, limit, customer, window start)."""
        c = LimitCounter.__table__.c
        stmt = select(c.reward_pk, c.limit_key, c.customer_pk, c.window_start, c.used).where(
            c.reward_pk.in_(reward_pks), c.customer_pk.in_(customer_pks)
        )
        found: dict[tuple[int, str, int, datetime], int] = {}
        for reward_pk, limit_key, customer_pk, window_start, used in self.session.execute(stmt):
            start = window_start if window_start.tzinfo is not None else window_start.replace(tzinfo=UTC)
            found[(reward_pk, limit_key, customer_pk, start)] = used
        return found

    def lock_counter(self, reward_pk: int, limit_key: str, customer_pk: int) -> bool:
        """Hold a ROLLING limit's one counter row until the transaction ends (PostgreSQL; SQLite's write
        transaction holds the whole database), so the sum read next cannot change under this issuance."""
        c = LimitCounter.__table__.c
        stmt = (
            select(c.id)
            .where(c.reward_pk == reward_pk, c.limit_key == limit_key, c.customer_pk == customer_pk)
            .with_for_update()
        )
        return self.session.execute(stmt).first() is not None

    def issued_since(self, reward_pk: int, customer_pk: int | None, since: datetime, kpi: str) -> int:
        """What issuances of the reward (to the customer, if given) since ``since`` count toward ``kpi``."""
        i = Issuance.__table__.c
        counted = i.value if kpi == "REDEMPTION_VALUE" else i.quantity
        stmt = select(func.coalesce(func.sum(counted), 0)).where(
            i.reward_pk == reward_pk,
            i.created_at >= since,
            i.state != REVERSED,
            *([i.customer_pk == customer_pk] if customer_pk is not None else []),
        )
        return int(self.session.execute(stmt).scalar_one())

    def oldest_since(self, reward_pk: int, customer_pk: int | None, since: datetime) -> datetime | None:
        i = Issuance.__table__.c
        stmt = select(func.min(i.created_at)).where(
            i.reward_pk == reward_pk,
            i.created_at >= since,
            i.state != REVERSED,
            *([i.customer_pk == customer_pk] if customer_pk is not None else []),
        )
        oldest: datetime | None = self.session.scalar(stmt)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return oldest

    # ---- inventory and delivery ---------------------------------------------------------

    def take_stock_at_commit(self, product_pk: int, quantity: int, refusal: Callable[[], Exception]) -> None:
        """Take ``quantity`` from a stock-tracked product (an untracked one, null stock, always has
        it), among the unit's last statements, with its commit: ``refusal`` is raised from the
        commit when the product has fewer."""
        params = {"product_pk": product_pk, "quantity": quantity}
        order = (_STOCK_SECOND, product_pk)
        run_at_commit(self.session, Final(_TAKE_STOCK, params, STOCK_NOT_NEGATIVE, refusal, order))

    def product_id(self, product_pk: int) -> str:
        return str(self.session.execute(select(Product.product_id).where(Product.id == product_pk)).scalar_one())

    def competition_id(self, competition_pk: int) -> str:
        stmt = select(Competition.competition_id).where(Competition.id == competition_pk)
        return str(self.session.execute(stmt).scalar_one())

    def claim_code(self, pool_pk: int, issuance_pk: int, now: datetime) -> str | None:
        """One available code of the pool, now the issuance's; None when the pool has none left.

        On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets concurrent issuances each take a different
        code without waiting for one another; the status in the UPDATE's WHERE makes a code
        that was claimed between the pick and the update (it cannot be, under the lock) a miss.
        """
        c = CouponCode.__table__.c
        pick = select(c.id).where(c.pool_id == pool_pk, c.status == AVAILABLE).order_by(c.id).limit(1)
        if self.session.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            update(CouponCode)
            .where(c.id == pick.scalar_subquery(), c.status == AVAILABLE)
            .values(status=ISSUED, issued_at=now, issuance_pk=issuance_pk)
            .returning(c.code)
            .execution_options(synchronize_session=False)
        )
        code: str | None = self.session.execute(stmt).scalar()
        return code

    def credit_points(self, org_id: str, customer_pk: int, amount: int, now: datetime) -> int:
        """Credit the customer's balance (the account created at the first credit); returns the new balance."""
        params = {"customer_pk": customer_pk, "org_id": org_id, "amount": amount, "now": now}
        return int(_CREDIT[self._dialect()].rows(self.session, params)[0][0])

    def debit_points(self, customer_pk: int, points: int, now: datetime) -> int | None:
        """Take ``points`` from the customer's balance; the new balance, or None (nothing written)
        when the balance is short."""
        row = _DEBIT.first(self.session, {"customer_pk": customer_pk, "points": points, "now": now})
        return None if row is None else int(row[0])

    def add_points_entry(
        self,
        org_id: str,
        customer_pk: int,
        *,
        kind: str,
        amount: int,
        balance: int,
        now: datetime,
        issuance_pk: int | None = None,
        reference: str | None = None,
        reason: str | None = None,
    ) -> None:
        """The ledger's entry for one movement of a balance (signed ``amount``)."""
        _ENTRY.rows(
            self.session,
            {
                "org_id": org_id,
                "customer_pk": customer_pk,
                "kind": kind,
                "amount": amount,
                "balance_after": balance,
                "issuance_pk": issuance_pk,
                "reference": reference,
                "reason": reason,
                "created_at": now,
            },
        )

    def add_entries(
        self,
        org_id: str,
        competition_pk: int,
        *,
        customer_pk: int,
        user_id: str,
        entries: int,
        issuance_pk: int,
        now: datetime,
    ) -> None:
        self.session.execute(
            insert(CompetitionEntry).values(
                org_id=org_id,
                competition_pk=competition_pk,
                customer_pk=customer_pk,
                user_id=user_id,
                entries=entries,
                issuance_pk=issuance_pk,
                created_at=now,
            )
        )

    # ---- redemption and reversal ----------------------------------------------------------

    def transition(self, issuance_pk: int, before: str, after: str, **stamps: Any) -> bool:
        """Move the issuance from state ``before`` to ``after`` (with ``stamps``: redeemed_at …) if it is
        still in ``before``; False, with nothing written, if it is not. Two racing transitions of one
        issuance queue on its row, and the second finds the state moved."""
        i = _ISSUANCES.c
        stmt = update(_ISSUANCES).where(i.id == issuance_pk, i.state == before).values(state=after, **stamps)
        result: CursorResult[Any] = self.session.execute(stmt)  # type: ignore[assignment]
        return result.rowcount == 1

    def reload(self, issuance: Issuance) -> None:
        self.session.refresh(issuance)

    def release_counter(self, reward_pk: int, counted: Sequence[Any]) -> None:
        """Give back what an issuance took of a counter, as ``Issuance.counted`` names it: [limit key,
        customer pk, window start, amount] (CHECK ``used >= 0`` backs it)."""
        limit_key, customer_pk, start, amount = counted
        window_start = datetime.fromisoformat(start)
        c = _COUNTERS.c
        self.session.execute(
            update(_COUNTERS)
            .where(
                c.reward_pk == reward_pk,
                c.limit_key == limit_key,
                c.customer_pk == customer_pk,
                c.window_start == window_start,
            )
            .values(used=c.used - amount)
        )

    def restore_stock(self, org_id: str, product_id: str, quantity: int) -> None:
        """Put units back in a tracked product's stock (an untracked one, null, stays null)."""
        p = Product.__table__.c
        self.session.execute(
            update(Product)
            .where(p.org_id == org_id, p.product_id == product_id, p.stock.is_not(None))
            .values(stock=p.stock + quantity)
            .execution_options(synchronize_session=False)
        )

    def mark_code(self, issuance_pk: int, status: str) -> None:
        """The code an issuance claimed, now ``status`` (redeemed at a till, or void)."""
        c = CouponCode.__table__.c
        self.session.execute(
            update(CouponCode)
            .where(c.issuance_pk == issuance_pk, c.status == ISSUED)
            .values(status=status)
            .execution_options(synchronize_session=False)
        )

    def remove_entries(self, issuance_pk: int) -> None:
        """The competition entries an issuance recorded, withdrawn."""
        self.session.execute(delete(CompetitionEntry).where(CompetitionEntry.issuance_pk == issuance_pk))

    # ---- reconciliation (issuance.reconcile) ---------------------------------------------

    def balances_and_ledgers(self) -> list[tuple[str, int, int, int]]:
        """(org, customer, balance, sum of the ledger's entries) for every points account."""
        a, e = _ACCOUNTS.c, PointsEntry.__table__.c
        ledger = select(e.customer_pk, func.sum(e.amount).label("total")).group_by(e.customer_pk).subquery("ledger")
        stmt = select(a.org_id, a.customer_pk, a.balance, func.coalesce(ledger.c.total, 0)).outerjoin(
            ledger, ledger.c.customer_pk == a.customer_pk
        )
        return [(org, pk, int(balance), int(total)) for org, pk, balance, total in self.session.execute(stmt)]

    def counted_by_live_issuances(self) -> list[tuple[int, list[Any] | None]]:
        """(reward, the counters it took) of every issuance not reversed; None for one issued before
        issuances recorded them (migration 0008)."""
        i = _ISSUANCES.c
        stmt = select(i.reward_pk, i.counted).where(i.state != REVERSED, i.reward_pk.is_not(None))
        return [(reward_pk, counted) for reward_pk, counted in self.session.execute(stmt)]

    def all_counters(self) -> list[tuple[str, int, str, int, datetime, int]]:
        """(org, reward, limit key, customer, window start, used) of every limit counter."""
        c = _COUNTERS.c
        stmt = select(c.org_id, c.reward_pk, c.limit_key, c.customer_pk, c.window_start, c.used)
        return [(o, r, k, cu, w, int(u)) for o, r, k, cu, w, u in self.session.execute(stmt)]

    # ---- records ------------------------------------------------------------------------

    def insert_issuance(self, issuance: Issuance) -> None:
        """Write the issuance as one INSERT, outside the ORM's unit of work; sets its id."""
        values = {column: getattr(issuance, attribute) for column, attribute in _ISSUANCE_VALUES}
        issuance.id = int(_ISSUE.rows(self.session, values)[0][0])

    def set_delivered(self, issuance_pk: int, delivered: dict[str, Any]) -> None:
        stmt = update(_ISSUANCES).where(_ISSUANCES.c.id == issuance_pk).values(delivered=delivered)
        self.session.execute(stmt)

    def issuance_by_pk(self, org_id: str, pk: int) -> Issuance | None:
        return self.session.scalar(select(Issuance).where(Issuance.org_id == org_id, Issuance.id == pk))

    def issuance(self, org_id: str, transaction_id: str) -> Issuance | None:
        stmt = select(Issuance).where(Issuance.org_id == org_id, Issuance.transaction_id == transaction_id)
        return self.session.scalar(stmt)

    def issuances(
        self,
        org_id: str,
        *,
        before: int | None,
        limit: int,
        customer_pk: int | None = None,
        reward_pk: int | None = None,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Issuance]:
        """A page of the org's issuances, newest first (keyset on id, ``before`` the last one seen)."""
        i = Issuance
        conditions = [i.org_id == org_id]
        if before is not None:
            conditions.append(i.id < before)
        if customer_pk is not None:
            conditions.append(i.customer_pk == customer_pk)
        if reward_pk is not None:
            conditions.append(i.reward_pk == reward_pk)
        if source is not None:
            conditions.append(i.source == source)
        if since is not None:
            conditions.append(i.created_at >= since)
        if until is not None:
            conditions.append(i.created_at < until)
        stmt = select(Issuance).where(and_(*conditions)).order_by(i.id.desc()).limit(limit)
        return list(self.session.scalars(stmt))

    def balance(self, customer_pk: int) -> int:
        stmt = select(PointsAccount.balance).where(PointsAccount.customer_pk == customer_pk)
        return int(self.session.execute(stmt).scalar() or 0)

    def points_entries(
        self, customer_pk: int, limit: int, *, before: int | None = None
    ) -> Sequence[tuple[PointsEntry, str | None]]:
        """The customer's ledger entries, newest first (those older than entry ``before``, if given),
        each with its issuance's transaction id."""
        stmt = (
            select(PointsEntry, Issuance.transaction_id)
            .outerjoin(Issuance, Issuance.id == PointsEntry.issuance_pk)
            .where(PointsEntry.customer_pk == customer_pk)
            .order_by(PointsEntry.id.desc())
            .limit(limit)
        )
        if before is not None:
            stmt = stmt.where(PointsEntry.id < before)
        return [(entry, transaction_id) for entry, transaction_id in self.session.execute(stmt)]

    def points_totals(self, customer_pk: int) -> tuple[int, int]:
        """What the customer's ledger added and what it took away, over all time (both as positive sums)."""
        e = PointsEntry.__table__.c
        added = func.coalesce(func.sum(case((e.amount > 0, e.amount), else_=0)), 0)
        taken = func.coalesce(func.sum(case((e.amount < 0, -e.amount), else_=0)), 0)
        row = self.session.execute(select(added, taken).where(e.customer_pk == customer_pk)).one()
        return int(row[0]), int(row[1])

    def competition_entries(self, competition_pk: int, *, after: int | None, limit: int) -> list[CompetitionEntry]:
        e = CompetitionEntry
        stmt = select(e).where(e.competition_pk == competition_pk)
        if after is not None:
            stmt = stmt.where(e.id > after)
        return list(self.session.scalars(stmt.order_by(e.id).limit(limit)))

    # ---- idempotency --------------------------------------------------------------------

    def claim_key(
        self, org_id: str, scope: str, key: str, request_hash: str, now: datetime
    ) -> IdempotencyRecord | None:
        """Claim the key for this request; None if claimed now, else the record of the request that has it.

        On PostgreSQL a second claim of a key whose first claim is not yet committed waits for that
        commit (the unique index), then finds the first request's answer.
        """
        stmt = (
            self.insert_skipping_conflicts(IdempotencyRecord, key=("org_id", "scope", "key"))
            .values(org_id=org_id, scope=scope, key=key, request_hash=request_hash, created_at=now)
            .returning(IdempotencyRecord.id)
        )
        if self.session.execute(stmt).scalar() is not None:
            return None
        r = IdempotencyRecord
        return self.session.scalar(select(r).where(r.org_id == org_id, r.scope == scope, r.key == key))

    def purge_keys(self, before: datetime) -> int:
        """Delete every org's idempotency records created before ``before``; how many."""
        r = IdempotencyRecord.__table__.c
        result: CursorResult[Any] = self.session.execute(  # type: ignore[assignment]
            delete(IdempotencyRecord).where(r.created_at < before).execution_options(synchronize_session=False)
        )
        return result.rowcount

    def remember(self, org_id: str, scope: str, key: str, status: int, body: str) -> None:
        r = IdempotencyRecord.__table__.c
        self.session.execute(
            update(IdempotencyRecord)
            .where(r.org_id == org_id, r.scope == scope, r.key == key)
            .values(status=status, body=body)
            .execution_options(synchronize_session=False)
        )
