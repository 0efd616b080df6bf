"""Checkouts known from orders (METRICS "Checkouts"): an order placed with a checkout token the
mirror holds no checkout for counts as a checkout started and completed as the order was
placed; the store's own report of that checkout, whenever it comes (a late `checkouts/create`,
the abandoned list), takes its place — its creation day — and nothing counts twice. The same on
the one-by-one, batch and set-based paths; the rollups always equal a rebuild."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import repository
from app.commerce import service as commerce
from app.commerce.models import Checkout
from app.ingest import pipeline
from app.integrations.events import (
    CheckoutChanged,
    CheckoutSnapshot,
    CommerceEvent,
    OrderChanged,
    OrderSnapshot,
    OrderState,
)
from app.integrations.shopify import normalize_graphql
from app.integrations.shopify.normalize import normalise
from app.integrations.woocommerce import normalize as woocommerce
from app.metrics import rollups
from app.metrics.checkouts import CheckoutFigures
from app.metrics.deltas import ROLLUPS
from app.metrics.rebuild import differences
from app.shops.models import Shop
from tests.fixtures.objects import create_shop
from tests.fixtures.payloads import payload

EVER = (date(2000, 1, 1), date(2100, 1, 1))
BERLIN = ZoneInfo("Europe/Berlin")  # the test shops' time zone


def an_order(number: int = 1, **changes: Any) -> OrderSnapshot:
    [event] = normalise("orders/create", payload("shopify_order"), "EUR")
    assert isinstance(event, OrderChanged)
    order = replace(
        event.order, platform_id=f"{event.order.platform_id}{number}", checkout_token=f"t{number}"
    )
    return replace(order, **changes)


def reported(
    order: OrderSnapshot, *, before: timedelta, completed: bool = False
) -> CheckoutSnapshot:
    """The store's `checkouts/create` (or update) of the order's checkout, created `before` the
    order was placed."""
    [event] = normalise("checkouts/create", payload("shopify_checkout"), "EUR")
    assert isinstance(event, CheckoutChanged)
    created = order.created_at - before
    return replace(
        event.checkout,
        token=order.checkout_token or "",
        created_at=created,
        updated_at=created + timedelta(seconds=30),
        completed_at=order.created_at if completed else None,
    )


def listed(order: OrderSnapshot, *, before: timedelta, completed: bool) -> CheckoutSnapshot:
    """The order's checkout as Shopify's `abandonedCheckouts` lists it (recovered: completed)."""
    created = order.created_at - before
    node: dict[str, Any] = {
        "id": "gid://shopify/AbandonedCheckout/1",
        "createdAt": created.isoformat(),
        "updatedAt": created.isoformat(),
        "completedAt": order.created_at.isoformat() if completed else None,
        "abandonedCheckoutUrl": f"https://shop.example/1/checkouts/{order.checkout_token}/recover",
        "customer": {"legacyResourceId": "7523148894362", "email": "lena.hoffmann@example.com"},
        "totalPriceSet": {"shopMoney": {"amount": "186.62", "currencyCode": "EUR"}},
        "lineItems": {"nodes": []},
    }
    return normalize_graphql.checkout(node, "EUR")


async def apply(session: AsyncSession, shop: Shop, *events: CommerceEvent) -> None:
    for event in events:
        await pipeline.apply(session, shop.id or 0, event)


async def figures(session: AsyncSession, shop: Shop) -> dict[date, CheckoutFigures]:
    """The checkout rollups by day (days that moved back to nothing left out)."""
    by_day = await rollups.checkouts_by_day(session, shop.id or 0, *EVER)
    return {day: f for day, f in by_day.items() if not f.is_zero()}


def day_of(moment: datetime) -> date:
    return moment.astimezone(BERLIN).date()


async def checkouts(session: AsyncSession, shop: Shop) -> int:
    statement = select(func.count()).select_from(Checkout).where(Checkout.shop_id == shop.id)
    return (await session.exec(statement)).one()


async def test_an_order_no_checkout_was_reported_for_counts_as_one_started_and_completed(
    session: AsyncSession,
) -> None:
    shop = await create_shop(session)
    order = an_order()

    await apply(session, shop, OrderChanged(order))

    held = await repository.get_checkout(session, shop.id or 0, "t1")
    assert held is not None
    assert held.from_order
    assert (held.started_at, held.completed_at) == (order.created_at, order.created_at)
    assert held.email == "lena.hoffmann@example.com"  # the order's, as its contact details
    assert held.completed_by_order == order.platform_id
    assert await figures(session, shop) == {
        day_of(order.created_at): CheckoutFigures(started=1, completed=1)
    }
    assert await differences(session, shop.id or 0) == []


async def test_a_late_checkout_report_takes_the_orders_place_and_its_day(
    session: AsyncSession,
) -> None:
    shop = await create_shop(session)
    order = an_order()
    late = reported(order, before=timedelta(days=2))  # an open state, delivered after the order

    await apply(session, shop, OrderChanged(order), CheckoutChanged(late))

    held = await repository.get_checkout(session, shop.id or 0, "t1")
    assert held is not None
    assert not held.from_order
    assert held.started_at == late.created_at
    assert held.completed_by_order == order.platform_id  # an open report undoes no order
    assert await figures(session, shop) == {
        day_of(late.created_at): CheckoutFigures(started=1, completed=1)
    }
    # Completed: never swept as abandoned, however old its report.
    assert await pipeline.sweep_abandoned(session, shop.id or 0, timedelta(minutes=1)) == 0
    assert await differences(session, shop.id or 0) == []


async def test_either_order_of_arrival_and_duplicates_count_one_checkout(
    session: AsyncSession,
) -> None:
    first, second = await create_shop(session), await create_shop(session)
    order = an_order()
    report = CheckoutChanged(reported(order, before=timedelta(days=1)))

    await apply(session, first, report, OrderChanged(order), report, OrderChanged(order))
    await apply(session, second, OrderChanged(order), report, OrderChanged(order), report)

    expected = {day_of(report.checkout.created_at): CheckoutFigures(started=1, completed=1)}
    for shop in (first, second):
        assert await checkouts(session, shop) == 1
        assert await figures(session, shop) == expected
        assert await differences(session, shop.id or 0) == []


async def test_a_reported_checkout_without_contact_has_its_orders(session: AsyncSession) -> None:
    """The shopper typed their e-mail into the checkout its order carries, whether or not a
    checkout update told us: the checkout counts either way round."""
    first, second = await create_shop(session), await create_shop(session)
    order = an_order()
    bare = CheckoutChanged(replace(reported(order, before=timedelta(hours=1)), email=None))

    await apply(session, first, bare, OrderChanged(order))
    await apply(session, second, OrderChanged(order), bare)

    expected = {day_of(bare.checkout.created_at): CheckoutFigures(started=1, completed=1)}
    assert await figures(session, first) == expected
    assert await figures(session, second) == expected


async def test_the_abandoned_lists_completed_checkout_was_recovered_on_either_side_of_its_order(
    session: AsyncSession,
) -> None:
    first, second = await create_shop(session), await create_shop(session)
    order = an_order()
    recovered = CheckoutChanged(listed(order, before=timedelta(days=3), completed=True))

    await apply(session, first, OrderChanged(order), recovered, recovered)
    await apply(session, second, recovered, OrderChanged(order), recovered)

    value = order.gross - order.discounts
    expected = {
        day_of(recovered.checkout.created_at): CheckoutFigures(
            started=1, completed=1, abandoned=1, recovered=1, recovered_sales=value
        )
    }
    for shop in (first, second):
        held = await repository.get_checkout(session, shop.id or 0, "t1")
        assert held is not None
        # Abandoned as the sweep dates it: its last update plus the shop's delay (1 h).
        assert held.abandoned_at == recovered.checkout.updated_at + timedelta(hours=1)
        assert held.recovered_at == held.completed_at
        assert await figures(session, shop) == expected
        assert await differences(session, shop.id or 0) == []


async def test_a_recovery_listed_after_a_live_report_of_the_same_state_still_counts(
    session: AsyncSession,
) -> None:
    """The list's completed checkout carries the update time the webhook's open state had: it
    is no newer, yet it tells what never reverts — completed, after being abandoned."""
    shop = await create_shop(session)
    order = an_order()
    recovered = listed(order, before=timedelta(days=3), completed=True)
    live = replace(recovered, completed_at=None, listed_abandoned=False)

    await apply(session, shop, CheckoutChanged(live), CheckoutChanged(recovered))

    [day] = (await figures(session, shop)).values()
    assert (day.started, day.completed, day.abandoned, day.recovered) == (1, 1, 1, 1)
    assert await differences(session, shop.id or 0) == []


async def test_orders_that_do_not_count_make_no_checkout(session: AsyncSession) -> None:
    shop = await create_shop(session)
    cancelled = an_order(1, state=OrderState.CANCELLED)
    test_order = an_order(2, test=True)
    no_token = an_order(3, checkout_token=None)

    await apply(session, shop, *(OrderChanged(o) for o in (cancelled, test_order, no_token)))

    assert await checkouts(session, shop) == 0
    assert await figures(session, shop) == {}


async def test_a_woocommerce_order_made_in_wp_admin_names_no_checkout() -> None:
    body = payload("woocommerce_order") | {"created_via": "admin"}

    [event] = woocommerce.normalise("order.created", body, body["currency"])

    assert isinstance(event, OrderChanged)
    assert event.order.checkout_token is None


async def test_a_batch_and_the_set_based_path_know_the_same_checkouts(
    session: AsyncSession,
) -> None:
    """A backfill: a page of orders (by batch, and set-based as on PostgreSQL), then the
    abandoned list with one recovered and one open checkout; a repeated page changes nothing."""
    batch, bulk = await create_shop(session), await create_shop(session)
    orders = [an_order(n, created_at=an_order().created_at + timedelta(days=n)) for n in range(4)]
    page = [
        CheckoutChanged(listed(orders[0], before=timedelta(days=2), completed=True)),
        CheckoutChanged(
            replace(listed(orders[1], before=timedelta(days=1), completed=False), token="open")
        ),
    ]
    for _ in range(2):
        await commerce.apply_orders(session, batch.id or 0, orders, ROLLUPS)
        await commerce.apply_orders_in_bulk(session, bulk.id or 0, orders, ROLLUPS)
        for shop in (batch, bulk):
            await commerce.apply_checkouts(
                session, shop.id or 0, [c.checkout for c in page], ROLLUPS
            )

    for shop in (batch, bulk):
        assert await checkouts(session, shop) == 5
        total = sum((await figures(session, shop)).values(), CheckoutFigures())
        assert (total.started, total.completed, total.abandoned, total.recovered) == (5, 4, 1, 1)
        assert await differences(session, shop.id or 0) == []
