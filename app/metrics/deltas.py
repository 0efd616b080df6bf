"""Keeping the rollups exact as the mirror changes: each change adds `after − before`, in the
mirror's own transaction (so a rolled-back change moves nothing), and says which days moved,
after commit (`MetricsMoved`, which the live stream turns into a message to open dashboards).

`ROLLUPS` is the `ChangeWriter` the ingest path hands to commerce's writers: commerce calls it
round by round, under its locks, and never imports metrics. What a change contributes is a pure
function of its before and after states (`sales`, `checkouts`, `customers`); a customer's
figures also need their other counted orders, read here in the same transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.changes import (
    CheckoutFacts,
    CheckoutKnown,
    CheckoutWritten,
    OrderWritten,
    facts_of_checkout,
)
from app.commerce.models import Order, RefundRow
from app.events import DomainEvent, publish_after_commit
from app.integrations.events import OrderSnapshot, OrderState, Refund
from app.live.publish import publish_after_commit as publish_live_after_commit
from app.metrics import bulk_deltas, rollups
from app.metrics.checkouts import CheckoutFigures, checkout_contribution
from app.metrics.customers import DayRows, PairRows, PreviousRows, customer_contribution, slotted
from app.metrics.figures import SalesFigures, accumulate, at_slot, combine, difference, slot_of
from app.metrics.sales import (
    OrderFacts,
    SalesContribution,
    counted,
    facts_of_row,
    facts_of_snapshot,
    order_contribution,
    refund_contribution,
)
from app.shops.models import Shop


@dataclass(frozen=True)
class MetricsMoved(DomainEvent):
    """A family of a shop's rollups moved on these shop-local days."""

    family: str  # "sales", "checkouts", "customers", "marketing" or "surveys"
    days: tuple[str, ...]  # ISO dates

    tells_pages: ClassVar[bool] = True  # its one subscriber is the live stream's


async def tell_open_dashboards(session: AsyncSession, moved: MetricsMoved) -> None:
    """The live stream's subscriber: the shop's open pages hear which days moved."""
    data = {"family": moved.family, "days": list(moved.days)}
    publish_live_after_commit(session, moved.shop_id, "metrics", data)


class RollupDeltas:
    """The rollups as commerce's writers see them (`app.commerce.changes.ChangeWriter`, and
    `app.commerce.bulk.BulkChangeWriter` for set-based writes on PostgreSQL)."""

    async def orders_written(
        self, session: AsyncSession, shop_id: int, written: list[OrderWritten]
    ) -> None:
        await orders_written(session, shop_id, [(w.before, w.after) for w in written])

    async def refunds_written(
        self, session: AsyncSession, shop_id: int, refunds: list[Refund]
    ) -> None:
        await refunds_written(session, shop_id, refunds)

    async def checkouts_written(
        self, session: AsyncSession, shop_id: int, written: list[CheckoutWritten]
    ) -> None:
        changed = [(w.before, facts_of_checkout(w.after), w.after.token) for w in written]
        await checkouts_changed(session, shop_id, changed)

    async def checkouts_known(
        self, session: AsyncSession, shop_id: int, known: list[CheckoutKnown]
    ) -> None:
        await checkouts_changed(session, shop_id, [(None, k.facts, k.token) for k in known])

    async def replacing_orders(
        self, session: AsyncSession, shop_id: int, platform_ids: list[str], customer_keys: set[str]
    ) -> None:
        await bulk_deltas.replacing_orders(session, shop_id, platform_ids, customer_keys)

    async def orders_replaced(self, session: AsyncSession, shop_id: int) -> None:
        for family, days in await bulk_deltas.orders_replaced(session, shop_id):
            announce(session, shop_id, family, days)


ROLLUPS = RollupDeltas()

OrderChange = tuple[Order | None, OrderSnapshot]  # the state we held (None: new), the new one


async def orders_written(session: AsyncSession, shop_id: int, changes: list[OrderChange]) -> None:
    """Orders were created or replaced by newer states (the caller holds their locks and has
    written the new states); each order at most once."""
    if not changes:
        return
    timezone = await _timezone(session, shop_id)
    moving = [after.platform_id for before, after in changes if _refunds_move(before, after)]
    held = await _refunds_of(session, shop_id, moving)
    rows: dict[tuple[date, int], SalesFigures] = {}
    for before, after in changes:
        old, new = facts_of_row(before), facts_of_snapshot(after)
        change = difference(order_contribution(new, timezone), order_contribution(old, timezone))
        if after.platform_id in moving:
            # A cancelled order's refunds leave the figures with it (METRICS.md), and come back
            # if it is restored; they follow the order to or from a known customer.
            mine = held.get(after.platform_id, [])
            change = combine(
                change, difference(_refunds(mine, new, timezone), _refunds(mine, old, timezone))
            )
        accumulate(rows, at_slot(change, slot_of(after.platform_id)))
    await _record_sales(session, shop_id, rows)
    whos = [_WhoOrdered.of(before, after) for before, after in changes]
    await _customers_changed(session, shop_id, timezone, whos)


def _refunds_move(before: Order | None, after: OrderSnapshot) -> bool:
    return _refunds_count_as(facts_of_row(before)) != _refunds_count_as(facts_of_snapshot(after))


def _refunds_count_as(order: OrderFacts | None) -> tuple[bool, bool]:
    return (bool(order and order.counted), bool(order and order.has_customer))


def _refunds(
    refunds: list[RefundRow], order: OrderFacts | None, timezone: str
) -> SalesContribution:
    if order is None or not order.counted:
        return {}
    return combine(
        *(
            refund_contribution(r.refunded_at, r.amount, order.has_customer, timezone)
            for r in refunds
        )
    )


async def refunds_written(session: AsyncSession, shop_id: int, refunds: list[Refund]) -> None:
    """Refunds were recorded for the first time: each counts, on its own day, if its order
    does (the caller holds the orders' locks)."""
    if not refunds:
        return
    orders = await _orders_counting(session, shop_id, {r.order_platform_id for r in refunds})
    timezone = await _timezone(session, shop_id)
    rows: dict[tuple[date, int], SalesFigures] = {}
    for refund in refunds:
        has_customer = orders.get(refund.order_platform_id)
        if has_customer is None:
            continue  # when the order arrives (or is restored), its refunds are added with it
        change = refund_contribution(refund.created_at, refund.amount, has_customer, timezone)
        accumulate(rows, at_slot(change, slot_of(refund.order_platform_id)))
    await _record_sales(session, shop_id, rows)


async def _orders_counting(
    session: AsyncSession, shop_id: int, platform_ids: set[str]
) -> dict[str, bool]:
    """Of these orders, those that count, and whether each has a customer."""
    statement = select(Order.platform_id, Order.customer_key).where(
        Order.shop_id == shop_id,
        col(Order.platform_id).in_(platform_ids),
        col(Order.test).is_(False),
        Order.state == OrderState.OPEN,
    )
    return {pid: key is not None for pid, key in (await session.exec(statement)).all()}


async def checkouts_changed(
    session: AsyncSession,
    shop_id: int,
    changes: list[tuple[CheckoutFacts | None, CheckoutFacts | None, str]],
) -> None:
    """Checkout rows changed (the caller holds their row locks), each at most once: what it
    counted as before and after, and its token."""
    if not changes:
        return
    timezone = await _timezone(session, shop_id)
    rows: dict[tuple[date, int], CheckoutFigures] = {}
    for before, after, token in changes:
        change = difference(
            checkout_contribution(after, timezone), checkout_contribution(before, timezone)
        )
        accumulate(rows, at_slot(change, slot_of(token)))
    moved = combine(rows)
    if moved:
        await rollups.add_checkouts(session, shop_id, moved)
        announce(session, shop_id, "checkouts", (day for day, _slot in moved))


async def _record_sales(
    session: AsyncSession, shop_id: int, rows: dict[tuple[date, int], SalesFigures]
) -> None:
    changes = combine(rows)
    if changes:
        await rollups.add_sales(session, shop_id, changes)
        announce(session, shop_id, "sales", (day for day, _slot in changes))


def announce(session: AsyncSession, shop_id: int, family: str, days: Iterable[date]) -> None:
    """After commit, tell subscribers (the live stream) which of the family's days moved."""
    moved = tuple(sorted({day.isoformat() for day in days}))
    publish_after_commit(session, MetricsMoved(shop_id, family, moved))


@dataclass(frozen=True)
class _WhoOrdered:
    """One order's place in its customer's history, before and after a change."""

    order_platform_id: str
    before: tuple[str, datetime] | None  # (customer key, placed) when it counted
    after: tuple[str, datetime] | None

    @staticmethod
    def of(before: Order | None, after: OrderSnapshot) -> _WhoOrdered:
        old = None
        if before is not None and counted(before) and before.customer_key is not None:
            old = (before.customer_key, before.placed_at)
        key = after.customer.key if after.customer else None
        new = (key, after.created_at) if after.counted and key is not None else None
        return _WhoOrdered(after.platform_id, old, new)


async def _customers_changed(
    session: AsyncSession, shop_id: int, timezone: str, changes: list[_WhoOrdered]
) -> None:
    """Each customer's figures move from their orders as they were to as they are now. The
    orders are read after the new states are written and after the customers' locks are taken;
    undoing this batch's changes gives the orders as they were."""
    moved = [change for change in changes if change.before != change.after]
    keys = {entry[0] for change in moved for entry in (change.before, change.after) if entry}
    if not keys:
        return
    await rollups.lock_customers(session, shop_id, keys)
    placed = await _counted_orders_placed(session, shop_id, keys)
    pairs: PairRows = {}
    days: DayRows = {}
    previous: PreviousRows = {}
    for key in keys:
        now = placed.get(key, {})
        change = customer_contribution(now.values(), timezone).minus(
            customer_contribution(_as_before(key, now, moved).values(), timezone)
        )
        key_pairs, key_days, key_previous = slotted(key, change)
        accumulate(pairs, key_pairs)
        accumulate(days, key_days)
        accumulate(previous, key_previous)
    rows = (combine(pairs), combine(days), combine(previous))
    if any(rows):
        await rollups.add_customers(session, shop_id, rows)
        announce(session, shop_id, "customers", (key[0] for key in rows[1]))


def _as_before(
    key: str, now: dict[str, datetime], changes: list[_WhoOrdered]
) -> dict[str, datetime]:
    """A customer's counted orders (id → placed) as they were before `changes`."""
    then = dict(now)
    for change in changes:
        if change.after is not None and change.after[0] == key:
            del then[change.order_platform_id]
    for change in changes:
        if change.before is not None and change.before[0] == key:
            then[change.order_platform_id] = change.before[1]
    return then


async def _counted_orders_placed(
    session: AsyncSession, shop_id: int, customer_keys: set[str]
) -> dict[str, dict[str, datetime]]:
    """Each customer's counted orders: id → when placed."""
    statement = select(Order.customer_key, Order.platform_id, Order.placed_at).where(
        Order.shop_id == shop_id,
        col(Order.customer_key).in_(customer_keys),
        col(Order.test).is_(False),
        Order.state == OrderState.OPEN,
    )
    placed: dict[str, dict[str, datetime]] = defaultdict(dict)
    for key, platform_id, moment in (await session.exec(statement)).all():
        placed[str(key)][platform_id] = moment
    return placed


async def _refunds_of(
    session: AsyncSession, shop_id: int, order_platform_ids: list[str]
) -> dict[str, list[RefundRow]]:
    if not order_platform_ids:
        return {}
    statement = select(RefundRow).where(
        RefundRow.shop_id == shop_id, col(RefundRow.order_platform_id).in_(order_platform_ids)
    )
    held: dict[str, list[RefundRow]] = defaultdict(list)
    for refund in (await session.exec(statement)).all():
        held[refund.order_platform_id].append(refund)
    return held


async def _timezone(session: AsyncSession, shop_id: int) -> str:
    timezone = (await session.exec(select(Shop.timezone).where(Shop.id == shop_id))).one()
    return str(timezone)
