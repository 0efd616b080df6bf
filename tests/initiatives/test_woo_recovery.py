"""Abandoned-checkout recovery on a WooCommerce store: its block checkout's draft orders have no
recovery URL, so the e-mail links to a signed cart link of ours that fills a new cart on the
store (WooCommerce's shareable checkout link) with exactly the checkout's lines; an order that
came through it carries our marker in its Order Attribution entry page."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlmodel import select

from app.db import utcnow
from app.ingest.tasks import sweep_abandoned_checkouts
from app.initiatives import service
from app.initiatives.cart_links import CartLink, cart_token
from app.initiatives.models import EnrollmentStatus, InitiativeStatus, InitiativeType
from app.initiatives.schemas import InitiativeIn
from app.integrations.platforms import Platform
from app.messaging.models import MarketingSend
from app.metrics.models import OutcomeDay
from app.shops.models import Shop
from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.webhooks import woocommerce_delivery
from tests.initiatives.helpers import Store, zone_at
from tests.initiatives.test_recovery import parts
from tests.webhooks.helpers import WOO_SECRET, install

WOO = "https://woo.example"
PRIYA = "priya.nair@example.net"
BEANIE_IMAGE = "https://shop.hebdenwool.example/wp-content/uploads/2026/09/merino-beanie.jpg"


def _gmt(moment: datetime) -> str:
    return moment.replace(microsecond=0, tzinfo=None).isoformat()


def draft(order_id: int, touched: datetime) -> dict[str, Any]:
    """The block checkout's draft order: a simple product with a picture, and two lines of one
    variation of a variable product (a cart may hold it twice, with different add-ons)."""
    body = copy.deepcopy(payload("woocommerce_order_guest_draft"))
    beanie = body["line_items"][0]
    scarf = {
        **beanie,
        "id": 1204,
        "name": "Lambswool Scarf - Heather",
        "product_id": 3320,
        "variation_id": 3324,
        "image": {"id": 0, "src": ""},  # the REST API's answer for a product without a picture
    }
    body.update(
        id=order_id,
        number=str(order_id),
        date_created_gmt=_gmt(touched),
        date_modified_gmt=_gmt(touched),
        line_items=[beanie, scarf, {**scarf, "id": 1205, "quantity": 2}],
        total="89.40",
    )
    return body


class Woo:
    """The recovery tests' app with a WooCommerce shop beside its Shopify one."""

    def __init__(self, store: Store, shop_id: int) -> None:
        self.store, self.shop_id = store, shop_id

    async def deliver(self, topic: str, body: dict[str, Any]) -> None:
        headers, raw = woocommerce_delivery(WOO, topic, body, secret=WOO_SECRET)
        client = self.store.connected.client
        answer = await client.post("/webhooks/woocommerce", headers=headers, content=raw)
        assert answer.status_code == 200, answer.text
        await finish_jobs(self.store.connected.app)

    async def recovery(self) -> int:
        """An active recovery initiative of the WooCommerce shop, activated a day ago; the
        shop sends without a consent box (WooCommerce has none)."""
        now = utcnow() - timedelta(days=1)
        body = InitiativeIn(
            type=InitiativeType.ABANDONED_CHECKOUT,
            name="Recover carts",
            settings={"woocommerce_consent": "not_required"},
        )
        async with self.store.runtime.transaction() as session:
            made = await service.create(session, self.shop_id, body, "test", now)
            assert made.id is not None
            await service.move(session, self.shop_id, made.id, InitiativeStatus.ACTIVE, "t", now)
            return made.id

    async def abandon(self, order_id: int = 4183) -> str:
        """A draft last touched three hours ago, marked abandoned by the sweep; its token."""
        await self.deliver("order.updated", draft(order_id, utcnow() - timedelta(hours=3)))
        await self.store.run(sweep_abandoned_checkouts)
        return f"wc-order:{order_id}"

    async def order(self, order_id: int, meta: list[dict[str, Any]]) -> None:
        """The shopper pays a new order (the rebuilt cart is a new session, so a new draft and
        a new order id), placed a second from now, with Order Attribution's `meta`."""
        body = draft(order_id, utcnow() + timedelta(seconds=1))
        body.update(status="processing", meta_data=meta)
        await self.deliver("order.created", body)


async def woo_shop(store: Store) -> Woo:
    shop = await install(store.connected, WOO, Platform.WOOCOMMERCE)
    assert shop.id is not None
    async with store.runtime.transaction() as session:
        held = await session.get(Shop, shop.id)
        assert held is not None
        held.timezone = zone_at(12)  # midday: no quiet hours
    return Woo(store, shop.id)


def click_of(store: Store) -> str:
    """The path of the last e-mail's click redirect (the text part has the one link)."""
    text, _html = parts(store.inbox.messages[-1])
    [wrapped] = re.findall(r"https://storeokr\.test(/m/c/[A-Za-z0-9._-]+)", text)
    return str(wrapped)


async def follow(store: Store, path: str) -> tuple[int, str]:
    answer = await store.connected.client.get(path)
    return answer.status_code, answer.headers.get("location", "")


async def test_a_woo_abandoned_checkout_gets_a_link_that_rebuilds_exactly_its_lines(
    store: Store,
) -> None:
    woo = await woo_shop(store)
    await woo.recovery()
    token = await woo.abandon()

    await store.sweep()

    [message] = store.inbox.messages
    [send] = await store.sends()
    assert message["To"] == PRIYA
    text, html = parts(message)
    # Every line, the beanie with its picture, the scarf (no picture) with the fallback box.
    assert "Merino Beanie" in html
    assert "Lambswool Scarf - Heather" in html
    assert f'<img src="{BEANIE_IMAGE}"' in html
    assert html.count("background: #eee;") == 2
    assert "<img" not in text
    assert BEANIE_IMAGE not in text
    wrapped = click_of(store)
    status, ours = await follow(store, wrapped)
    assert status == 302
    assert ours.startswith("https://storeokr.test/r/")
    status, rebuild = await follow(store, urlsplit(ours).path)
    assert status == 302
    parts_of = urlsplit(rebuild)
    assert f"{parts_of.scheme}://{parts_of.netloc}{parts_of.path}" == f"{WOO}/checkout-link/"
    query = dict(parse_qsl(parts_of.query))
    # The variation twice in the cart is one pair (the store keeps the last pair of an id).
    assert query["products"] == "3312:1,3324:3"
    assert query["storeokr"] == str(send.id)
    assert query["utm_source"] == "storeokr"
    [enrollment] = await store.enrollments(token)
    assert enrollment.next_step == 2


async def test_a_tampered_or_foreign_cart_link_is_a_404_page_and_changes_nothing(
    store: Store,
) -> None:
    woo = await woo_shop(store)
    await woo.recovery()
    token = await woo.abandon()
    await store.sweep()
    wrapped = click_of(store)
    _status, ours = await follow(store, wrapped)
    path = urlsplit(ours).path
    before = [(s.id, s.clicked_at, s.opened_at) for s in await store.sends()]
    settings = store.runtime.settings
    [send] = await store.sends()
    assert send.id is not None
    tampered = [
        path[:-1] + ("A" if path[-1] != "A" else "B"),  # the signature altered
        # Signed, but naming the checkout in the other shop (which holds no such checkout).
        "/r/" + cart_token(settings, CartLink(store.shop_id, send.id, token)),
        "/r/" + cart_token(settings, CartLink(woo.shop_id, send.id, "wc-order:999")),
    ]
    for forged in tampered:
        answer = await store.connected.client.get(forged, headers={"Accept-Language": "de"})
        assert answer.status_code == 404
        assert "location" not in answer.headers
        assert "Dieser Link ist nicht gültig" in answer.text
    assert [(s.id, s.clicked_at, s.opened_at) for s in await store.sends()] == before


async def test_a_cart_link_of_a_completed_checkout_goes_to_the_shop(store: Store) -> None:
    woo = await woo_shop(store)
    await woo.recovery()
    await woo.abandon()
    await store.sweep()
    wrapped = click_of(store)
    _status, ours = await follow(store, wrapped)
    paid = draft(4183, utcnow() + timedelta(seconds=1))
    paid["status"] = "processing"
    await woo.deliver("order.updated", paid)

    status, going = await follow(store, urlsplit(ours).path)

    assert status == 302
    assert going == WOO


async def test_an_order_through_the_cart_link_is_attributed_to_the_link(store: Store) -> None:
    woo = await woo_shop(store)
    await woo.recovery()
    token = await woo.abandon()
    await store.sweep()
    [send] = await store.sends()
    entry = f"{WOO}/checkout/?storeokr={send.id}&utm_source=storeokr&session=t0k"
    meta = [
        {"id": 1, "key": "_wc_order_attribution_source_type", "value": "utm"},
        {"id": 2, "key": "_wc_order_attribution_utm_source", "value": "storeokr"},
        {"id": 3, "key": "_wc_order_attribution_session_entry", "value": entry},
    ]

    await woo.order(4190, meta)  # the link's click was not seen: the marker alone tells
    await woo.order(4190, meta)  # delivered again (a new delivery id): counted once

    [enrollment] = await store.enrollments(token)
    assert enrollment.status is EnrollmentStatus.CONVERTED
    assert enrollment.attributed_by == "link"
    assert enrollment.converted_by_order == "4190"
    async with store.runtime.transaction() as session:
        days = await session.exec(select(OutcomeDay).where(OutcomeDay.shop_id == woo.shop_id))
        assert sum(day.recovered_checkouts for day in days.all()) == 1


async def test_an_order_without_our_marker_falls_in_the_window(store: Store) -> None:
    woo = await woo_shop(store)
    await woo.recovery()
    token = await woo.abandon()
    await store.sweep()
    entry = [{"id": 3, "key": "_wc_order_attribution_session_entry", "value": f"{WOO}/shop/"}]

    await woo.order(4191, entry)

    [enrollment] = await store.enrollments(token)
    assert enrollment.attributed_by == "window"


async def test_a_cart_with_a_line_that_names_no_product_gets_no_email(store: Store) -> None:
    woo = await woo_shop(store)
    await woo.recovery()
    body = draft(4192, utcnow() - timedelta(hours=3))
    body["line_items"][1]["product_id"] = 0  # a product deleted since: not rebuildable
    await woo.deliver("order.updated", body)
    await store.run(sweep_abandoned_checkouts)

    await store.sweep()

    assert store.inbox.messages == []
    async with store.runtime.transaction() as session:
        [skipped] = (await session.exec(select(MarketingSend))).all()
    assert skipped.reason == "no_recovery_link"
