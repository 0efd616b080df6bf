"""Rollups follow the mirror exactly: after every change, incremental figures equal a rebuild
from the mirror — edits, refunds on their own day, cancellations, restores, any order."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.ingest import pipeline
from app.integrations.shopify.normalize import normalise
from app.metrics import rollups
from app.metrics.figures import local_day
from app.metrics.rebuild import differences
from app.runtime import Runtime
from tests.fixtures.objects import create_shop
from tests.fixtures.payloads import payload

ORDER_DAY = date(2026, 11, 27)  # 10:14 in Berlin
REFUND_DAY = date(2026, 11, 30)


async def apply(session: AsyncSession, shop_id: int, topic: str, body: dict[str, Any]) -> None:
    for event in normalise(topic, body, "EUR"):
        await pipeline.apply(session, shop_id, event)


def cancelled(body: dict[str, Any], at: str) -> dict[str, Any]:
    return {**body, "cancelled_at": at, "updated_at": at}


async def figures_on(session: AsyncSession, shop_id: int, day: date) -> Any:
    return (await rollups.sales_by_day(session, shop_id, day, day)).get(day)


async def test_every_change_keeps_rollups_equal_to_a_rebuild(session: AsyncSession) -> None:
    shop = await create_shop(session, currency="EUR", timezone="Europe/Berlin")
    shop_id = shop.id or 0
    order, edited = payload("shopify_order"), payload("shopify_order_edited")
    steps = [
        ("orders/create", order),
        ("orders/updated", edited),
        ("refunds/create", payload("shopify_refund")),
        ("orders/cancelled", cancelled(edited, "2026-12-01T09:00:00+01:00")),
        (
            "orders/updated",
            {**edited, "cancelled_at": None, "updated_at": "2026-12-02T09:00:00+01:00"},
        ),
        ("orders/create", order),  # a late, stale delivery: changes nothing
    ]
    for topic, body in steps:
        await apply(session, shop_id, topic, body)
        assert await differences(session, shop_id) == [], topic

    placed = await figures_on(session, shop_id, ORDER_DAY)
    assert (placed.gross, placed.discounts, placed.orders, placed.units) == (
        Decimal("168.80"),
        Decimal("16.88"),
        1,
        3,
    )
    assert (await figures_on(session, shop_id, REFUND_DAY)).returns == Decimal("116.10")


async def test_cancelled_order_leaves_every_figure_with_its_refunds(session: AsyncSession) -> None:
    shop = await create_shop(session, currency="EUR", timezone="Europe/Berlin")
    await apply(session, shop.id or 0, "orders/create", payload("shopify_order"))
    await apply(session, shop.id or 0, "refunds/create", payload("shopify_refund"))
    await apply(
        session,
        shop.id or 0,
        "orders/cancelled",
        cancelled(payload("shopify_order_edited"), "2026-12-01T09:00:00+01:00"),
    )

    assert await differences(session, shop.id or 0) == []
    days = await rollups.sales_by_day(session, shop.id or 0, date(2026, 11, 1), date(2026, 12, 31))
    assert all(f.is_zero() for f in days.values())


async def test_refund_before_its_order_counts_once_the_order_arrives(session: AsyncSession) -> None:
    shop = await create_shop(session, currency="EUR", timezone="Europe/Berlin")
    await apply(session, shop.id or 0, "refunds/create", payload("shopify_refund"))
    assert await figures_on(session, shop.id or 0, REFUND_DAY) is None  # no order, no return yet
    await apply(session, shop.id or 0, "orders/create", payload("shopify_order"))

    assert (await figures_on(session, shop.id or 0, REFUND_DAY)).returns == Decimal("116.10")
    assert await differences(session, shop.id or 0) == []


async def test_test_orders_count_nothing(session: AsyncSession) -> None:
    shop = await create_shop(session, currency="EUR", timezone="Europe/Berlin")
    await apply(session, shop.id or 0, "orders/create", payload("shopify_order_test"))
    days = await rollups.sales_by_day(session, shop.id or 0, date(2026, 1, 1), date(2026, 12, 31))
    assert days == {}


def test_days_are_the_shops_local_days_across_daylight_saving() -> None:
    # Berlin springs forward at 01:00 UTC on 29 March and falls back at 01:00 UTC on 25 October.
    assert local_day(datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "Europe/Berlin") == date(
        2026, 3, 29
    )
    assert local_day(datetime(2026, 3, 29, 21, 59, tzinfo=UTC), "Europe/Berlin") == date(
        2026, 3, 29
    )
    assert local_day(datetime(2026, 3, 29, 22, 0, tzinfo=UTC), "Europe/Berlin") == date(2026, 3, 30)
    assert local_day(datetime(2026, 10, 25, 22, 59, tzinfo=UTC), "Europe/Berlin") == date(
        2026, 10, 25
    )
    assert local_day(datetime(2026, 10, 25, 23, 0, tzinfo=UTC), "Europe/Berlin") == date(
        2026, 10, 26
    )


async def test_an_order_and_its_refund_applied_at_once_both_count(
    committed_runtime: Runtime,
) -> None:
    async with committed_runtime.transaction() as session:
        shop = await create_shop(session, currency="EUR", timezone="Europe/Berlin")
    shop_id = shop.id or 0

    async def refund_alone() -> None:
        async with committed_runtime.transaction() as session:
            await apply(session, shop_id, "refunds/create", payload("shopify_refund"))

    # The order's transaction is open (not committed) while the refund's runs: without the
    # per-order lock the refund would not see the order, and the order not the refund.
    async with committed_runtime.sessionmaker() as order_session:
        await apply(order_session, shop_id, "orders/create", payload("shopify_order"))
        refunding = asyncio.create_task(refund_alone())
        await asyncio.sleep(0.3)
        await order_session.commit()
    await refunding

    async with committed_runtime.transaction() as session:
        assert await differences(session, shop_id) == []
        assert (await figures_on(session, shop_id, REFUND_DAY)).returns == Decimal("116.10")


async def test_two_orders_of_one_customer_applied_at_once_both_count(
    committed_runtime: Runtime,
) -> None:
    async with committed_runtime.transaction() as session:
        shop = await create_shop(session, currency="EUR", timezone="Europe/Berlin")
    shop_id = shop.id or 0
    second = {**payload("shopify_order"), "id": 6183041875099, "name": "#1002"}

    async def second_alone() -> None:
        async with committed_runtime.transaction() as session:
            await apply(session, shop_id, "orders/create", second)

    # Without the per-customer lock each would miss the other and both would count as the
    # customer's first order.
    async with committed_runtime.sessionmaker() as first_session:
        await apply(first_session, shop_id, "orders/create", payload("shopify_order"))
        concurrent = asyncio.create_task(second_alone())
        await asyncio.sleep(0.3)
        await first_session.commit()
    await concurrent

    async with committed_runtime.transaction() as session:
        assert await differences(session, shop_id) == []
        counts = await service_counts(session, shop_id, ORDER_DAY)
        assert (counts.customers, counts.new, counts.returning) == (1, 1, 1)


async def service_counts(session: AsyncSession, shop_id: int, day: date) -> Any:
    return await rollups.customer_counts(session, shop_id, day, day)
