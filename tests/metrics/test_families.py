"""The customer and checkout families through the mirror: every step keeps the rollups equal
to a rebuild, and the metrics read what METRICS.md says."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import service
from app.commerce.checkouts import apply_checkouts
from app.db import utcnow
from app.ingest import pipeline
from app.integrations.events import CheckoutChanged, OrderChanged, OrderState
from app.integrations.shopify.normalize import normalise
from app.metrics.deltas import ROLLUPS
from app.metrics.figures import local_day
from app.metrics.periods import Granularity
from app.metrics.rebuild import differences
from app.metrics.service import evaluate
from app.runtime import Runtime
from tests.fixtures.objects import create_shop
from tests.fixtures.payloads import payload

TZ = "Europe/Berlin"


async def value(session: AsyncSession, shop_id: int, key: str, first: date, last: date) -> Any:
    return (await evaluate(session, shop_id, key, first, last, Granularity.DAY)).value


def order_event(**changes: Any) -> OrderChanged:
    [event] = normalise("orders/create", payload("shopify_order"), "EUR")
    assert isinstance(event, OrderChanged)
    return OrderChanged(replace(event.order, **changes))


async def test_abandoned_checkout_recovered_by_its_order(session: AsyncSession) -> None:
    shop = await create_shop(session, timezone=TZ)
    shop_id = shop.id or 0
    body = payload("shopify_checkout")
    body["created_at"] = body["updated_at"] = (utcnow() - timedelta(hours=2)).isoformat()
    [checkout] = normalise("checkouts/create", body, "EUR")
    assert isinstance(checkout, CheckoutChanged)
    day = local_day(checkout.checkout.created_at, TZ)
    await pipeline.apply(session, shop_id, checkout)
    assert await value(session, shop_id, "checkouts_started", day, day) == 1
    assert await value(session, shop_id, "abandoned_checkouts", day, day) == 0

    await pipeline.sweep_abandoned(session, shop_id, timedelta(hours=1))
    assert await value(session, shop_id, "abandoned_checkouts", day, day) == 1
    assert await value(session, shop_id, "abandoned_checkout_recovery_rate", day, day) == 0
    assert await differences(session, shop_id) == []

    order = order_event(checkout_token=checkout.checkout.token, created_at=utcnow())
    await pipeline.apply(session, shop_id, order)
    assert await value(session, shop_id, "checkout_conversion_rate", day, day) == 1
    assert await value(session, shop_id, "recovered_checkouts", day, day) == 1
    assert await value(session, shop_id, "abandoned_checkout_recovery_rate", day, day) == 1
    recovered = order.order.gross - order.order.discounts
    assert await value(session, shop_id, "recovered_revenue", day, day) == recovered
    assert await differences(session, shop_id) == []


async def test_checkout_without_contact_details_is_not_started(session: AsyncSession) -> None:
    shop = await create_shop(session, timezone=TZ)
    body = {**payload("shopify_checkout"), "email": None, "phone": None}
    [checkout] = normalise("checkouts/create", body, "EUR")
    await pipeline.apply(session, shop.id or 0, checkout)
    assert isinstance(checkout, CheckoutChanged)
    day = local_day(checkout.checkout.created_at, TZ)
    assert await value(session, shop.id or 0, "checkouts_started", day, day) == 0


async def test_customer_family_follows_orders_cancellations_and_lifetime(
    session: AsyncSession,
) -> None:
    shop = await create_shop(session, timezone=TZ)
    shop_id = shop.id or 0
    first = order_event()
    placed = first.order.created_at
    second = order_event(platform_id="2", name="#2", created_at=placed + timedelta(days=10))
    november = (date(2026, 11, 1), date(2026, 12, 31))
    december = (local_day(second.order.created_at, TZ), date(2026, 12, 31))

    await pipeline.apply(session, shop_id, first)
    await pipeline.apply(session, shop_id, second)
    assert await value(session, shop_id, "customers", *november) == 1
    assert await value(session, shop_id, "new_customers", *november) == 1
    assert await value(session, shop_id, "returning_customers", *november) == 1
    assert await value(session, shop_id, "returning_customers", *december) == 1
    assert await value(session, shop_id, "new_customers", *december) == 0
    assert await value(session, shop_id, "repeat_purchase_rate", *november) == 1
    each = first.order.gross - first.order.discounts
    assert await value(session, shop_id, "customer_lifetime_value", *november) == 2 * each

    # Cancelling the first order makes the second one the customer's first.
    cancelled = order_event(cancelled_at=placed, updated_at=placed + timedelta(hours=5))
    await pipeline.apply(session, shop_id, replace_state(cancelled))
    assert await value(session, shop_id, "new_customers", *december) == 1
    assert await value(session, shop_id, "returning_customers", *november) == 0
    assert await value(session, shop_id, "customer_lifetime_value", *november) == each
    assert await differences(session, shop_id) == []


def replace_state(event: OrderChanged) -> OrderChanged:
    return OrderChanged(replace(event.order, state=OrderState.CANCELLED))


async def test_fulfilment_time_and_gross_margin(session: AsyncSession) -> None:
    shop = await create_shop(session, timezone=TZ)
    shop_id = shop.id or 0
    order = order_event()
    placed = order.order.created_at
    [line, *others] = order.order.lines
    costed = replace(line, unit_cost=line.unit_price / 4)
    await pipeline.apply(
        session,
        shop_id,
        order_event(fulfilled_at=placed + timedelta(hours=30), lines=(costed, *others)),
    )
    day = local_day(placed, TZ)
    assert await value(session, shop_id, "fulfillment_time", day, day) == 30
    sales = costed.unit_price * costed.quantity - costed.discount
    margin = (sales - costed.unit_price / 4 * costed.quantity) / sales
    assert await value(session, shop_id, "gross_margin", day, day) == margin.normalize()
    assert await differences(session, shop_id) == []


async def test_a_checkout_update_and_its_order_applied_at_once_both_count(
    committed_runtime: Runtime,
) -> None:
    async with committed_runtime.transaction() as session:
        shop = await create_shop(session, timezone=TZ)
    shop_id = shop.id or 0
    body = payload("shopify_checkout")
    body["created_at"] = body["updated_at"] = (utcnow() - timedelta(hours=2)).isoformat()
    # Without contact details first: the update that adds them starts the checkout.
    [checkout] = normalise("checkouts/create", {**body, "email": None}, "EUR")
    assert isinstance(checkout, CheckoutChanged)
    async with committed_runtime.transaction() as session:
        await pipeline.apply(session, shop_id, checkout)
    later = {**body, "updated_at": (utcnow() - timedelta(minutes=90)).isoformat()}
    [update] = normalise("checkouts/update", later, "EUR")
    order = order_event(checkout_token=checkout.checkout.token, created_at=utcnow())

    async def order_alone() -> None:
        async with committed_runtime.transaction() as session:
            await pipeline.apply(session, shop_id, order)

    # The update (contact details: started) holds the row while the order completes it: without
    # the row lock the order would start from the state before the update and its delta would
    # miss that the checkout now counts.
    async with committed_runtime.sessionmaker() as update_session:
        await pipeline.apply(update_session, shop_id, update)
        completing = asyncio.create_task(order_alone())
        await asyncio.sleep(0.3)
        await update_session.commit()
    await completing

    async with committed_runtime.transaction() as session:
        assert await differences(session, shop_id) == []
        day = local_day(checkout.checkout.created_at, TZ)
        assert await value(session, shop_id, "checkout_conversion_rate", day, day) == 1


async def test_a_batch_moves_customers_as_one_by_one_would(session: AsyncSession) -> None:
    """A backfill page in one batch: one order is cancelled, another moves to a new customer
    and a third order arrives twice (both states, in one batch) — as one by one would."""
    shop = await create_shop(session, timezone=TZ)
    shop_id = shop.id or 0
    first = order_event()
    placed, customer = first.order.created_at, first.order.customer
    assert customer is not None
    later = placed + timedelta(hours=5)
    second = order_event(platform_id="2", name="#2", created_at=placed + timedelta(days=10))
    await service.apply_orders(session, shop_id, [first.order, second.order], ROLLUPS)
    november = (date(2026, 11, 1), date(2026, 12, 31))
    assert await value(session, shop_id, "customers", *november) == 1
    assert await value(session, shop_id, "returning_customers", *november) == 1

    other = replace(customer, platform_id="999", email="other@example.com")
    third = order_event(platform_id="3", name="#3", created_at=placed + timedelta(days=1))
    await service.apply_orders(
        session,
        shop_id,
        [
            replace_state(order_event(updated_at=later)).order,
            replace(second.order, customer=other, updated_at=later),
            third.order,
            replace(third.order, updated_at=later, customer=other),
        ],
        ROLLUPS,
    )
    assert await value(session, shop_id, "customers", *november) == 1  # only the other one
    assert await value(session, shop_id, "new_customers", *november) == 1
    assert await value(session, shop_id, "returning_customers", *november) == 1
    assert await differences(session, shop_id) == []


async def test_a_batch_of_checkouts_counts_as_one_by_one(session: AsyncSession) -> None:
    """A reconciliation page: a checkout first without contact details then with them (both
    in one batch), a second one completed, and a stale repeat of the first."""
    shop = await create_shop(session, timezone=TZ)
    shop_id = shop.id or 0
    body = payload("shopify_checkout")
    started = utcnow() - timedelta(hours=3)
    body["created_at"] = body["updated_at"] = started.isoformat()
    updated = (started + timedelta(minutes=5)).isoformat()
    other = {**body, "token": "other-token", "completed_at": updated, "updated_at": updated}
    snapshots = []
    for topic, version in [
        ("checkouts/create", {**body, "email": None}),
        ("checkouts/update", {**body, "updated_at": updated}),
        ("checkouts/update", other),
        ("checkouts/create", {**body, "email": None}),  # stale: changes nothing
    ]:
        [event] = normalise(topic, version, "EUR")
        assert isinstance(event, CheckoutChanged)
        snapshots.append(event.checkout)

    changed = await apply_checkouts(session, shop_id, snapshots, ROLLUPS)

    assert [row.token for row in changed] == [body["token"], "other-token", body["token"]]
    day = local_day(started, TZ)
    assert await value(session, shop_id, "checkouts_started", day, day) == 2
    assert await value(session, shop_id, "checkout_conversion_rate", day, day) == Decimal("0.5")
    assert await differences(session, shop_id) == []
