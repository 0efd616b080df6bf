"""The mirror: idempotent, newest state wins, facts kept per customer, checkouts followed."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import repository
from app.commerce.models import Checkout, Order, OrderLineRow, RefundRow
from app.db import utcnow
from app.ingest import pipeline as service
from app.integrations.events import CheckoutChanged, CommerceEvent, OrderChanged, RefundCreated
from app.integrations.shopify.normalize import normalise
from app.runtime import Runtime
from tests.fixtures.objects import create_shop
from tests.fixtures.payloads import payload


def shopify_event(name: str, topic: str = "orders/create") -> CommerceEvent:
    [event] = normalise(topic, payload(name), "EUR")
    return event


async def apply(
    session: AsyncSession, shop_id: int, *names: tuple[str, str]
) -> list[object | None]:
    return [await service.apply(session, shop_id, shopify_event(n, t)) for n, t in names]


async def count(session: AsyncSession, model: type) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_older_update_after_a_newer_one_changes_nothing(session: AsyncSession) -> None:
    shop = await create_shop(session)
    created, edited = ("shopify_order", "orders/create"), ("shopify_order_edited", "orders/updated")

    results = await apply(session, shop.id or 0, edited, created)

    assert results[0] is not None
    assert results[1] is None  # stale
    order = await repository.get_order(session, shop.id or 0, "6183041875098")
    assert order is not None
    assert order.current_total == Decimal("165.30")
    assert order.fulfilled_at is not None


async def test_update_before_create_and_duplicates_end_in_one_order(session: AsyncSession) -> None:
    shop = await create_shop(session)
    created, edited = ("shopify_order", "orders/create"), ("shopify_order_edited", "orders/updated")

    await apply(session, shop.id or 0, created, created, edited, edited, created)

    assert await count(session, Order) == 1
    assert await count(session, OrderLineRow) == 2
    order = await repository.get_order(session, shop.id or 0, "6183041875098")
    assert order is not None
    assert order.current_total == Decimal("165.30")


async def test_refund_is_recorded_once_on_its_own_date(session: AsyncSession) -> None:
    shop = await create_shop(session)
    event = shopify_event("shopify_refund", "refunds/create")
    assert isinstance(event, RefundCreated)

    first = await service.apply(session, shop.id or 0, event)
    again = await service.apply(session, shop.id or 0, event)

    assert first is not None
    assert again is None
    [row] = (await session.exec(select(RefundRow))).all()
    assert row.amount == Decimal("116.10")
    assert row.refunded_at == event.refund.created_at


async def test_customer_facts_follow_their_counted_orders(session: AsyncSession) -> None:
    shop = await create_shop(session)
    await apply(
        session,
        shop.id or 0,
        ("shopify_order", "orders/create"),
        ("shopify_customer", "customers/update"),
    )
    customer = await repository.get_customer(session, shop.id or 0, "id:7523148894362")
    assert customer is not None
    assert customer.orders_count == 1
    assert customer.total_spent == Decimal("186.62")
    assert customer.first_name == "Lena"  # the customer update fills in what orders lack


async def test_checkout_is_abandoned_after_the_delay_and_recovered_by_its_order(
    session: AsyncSession,
) -> None:
    shop = await create_shop(session)
    body = payload("shopify_checkout")
    two_hours_ago = (utcnow() - timedelta(hours=2)).isoformat()
    body["created_at"] = body["updated_at"] = two_hours_ago
    [checkout] = normalise("checkouts/create", body, "EUR")
    assert isinstance(checkout, CheckoutChanged)
    await service.apply(session, shop.id or 0, checkout)

    # Within the delay nothing happens; after it, the sweep marks it abandoned.
    assert await service.sweep_abandoned(session, shop.id or 0, timedelta(days=3650)) == 0
    assert await service.sweep_abandoned(session, shop.id or 0, timedelta(hours=1)) == 1
    held = await repository.get_checkout(session, shop.id or 0, checkout.checkout.token)
    assert held is not None
    assert held.abandoned_at == checkout.checkout.updated_at + timedelta(hours=1)

    order = shopify_event("shopify_order")
    assert isinstance(order, OrderChanged)
    later = OrderChanged(replace(order.order, checkout_token=checkout.checkout.token))
    await service.apply(session, shop.id or 0, later)

    await session.refresh(held)
    assert held.completed_by_order == "6183041875098"
    assert held.recovered_at == order.order.created_at


async def test_money_is_exact_on_both_databases(any_engine: AsyncEngine) -> None:
    async with AsyncSession(any_engine, expire_on_commit=False) as db:
        shop = await create_shop(db)
        await service.apply(db, shop.id or 0, shopify_event("shopify_order_two_currencies"))
        await db.commit()
        total = (await db.exec(select(func.sum(Order.total)))).one()
        order = await repository.get_order(db, shop.id or 0, "6183177257114")
    assert order is not None
    assert order.total == Decimal("166.80")
    assert order.gross == Decimal("169.94")
    # SUM over the column is exact too, and read back as a Decimal on both databases.
    assert total == Decimal("166.80")


async def test_concurrent_events_for_one_new_checkout_both_apply(
    committed_runtime: Runtime,
) -> None:
    async with committed_runtime.transaction() as session:
        shop = await create_shop(session)
    body = payload("shopify_checkout")
    [first] = normalise("checkouts/create", body, "EUR")
    later = {**body, "updated_at": "2026-11-26T21:30:00+01:00", "phone": "+49 30 1234567"}
    [second] = normalise("checkouts/update", later, "EUR")

    async def apply_alone(event: CommerceEvent) -> None:
        async with committed_runtime.transaction() as session:
            await service.apply(session, shop.id or 0, event)

    await asyncio.gather(apply_alone(first), apply_alone(second))  # no duplicate-key failure

    async with committed_runtime.transaction() as session:
        [held] = (await session.exec(select(Checkout))).all()
    assert held.phone == "+49 30 1234567"  # the newer state won, whichever landed first


async def test_overlong_platform_strings_are_clipped_not_refused(session: AsyncSession) -> None:
    shop = await create_shop(session)
    body = {**payload("shopify_order"), "landing_site": "/?utm=" + "x" * 5000}
    [event] = normalise("orders/create", body, "EUR")
    await service.apply(session, shop.id or 0, event)
    order = await repository.get_order(session, shop.id or 0, "6183041875098")
    assert order is not None
    assert order.landing_site is not None
    assert len(order.landing_site) == 2048
