"""The demo's shoppers read the recovery e-mails StoreOKR sends them through the demo's own SMTP
server: some open, some click and buy, some unsubscribe; the recovery initiative's key result
moves. Also: the demo stores refuse a discount code they hold, as the platforms do."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import utcnow
from app.demo import woo_api
from app.demo.admin_api import answer
from app.demo.catalog import DEMO_SHOP
from app.demo.initiatives import RECOVERY_METRIC, start_initiatives
from app.demo.mail import MailSink, Readers, serve_mail
from app.demo.okrs import open_dashboard, track_recoveries
from app.demo.polls import Pollsters
from app.demo.runner import (
    Courier,
    demo_settings,
    demo_shops,
    install_demo_shop,
    mount,
    storefront_origin,
)
from app.demo.shapes import WooCommerceShape
from app.demo.shoppers import DemoStore
from app.ingest.tasks import sweep_abandoned_checkouts
from app.initiatives.models import (
    EnrollmentStatus,
    Initiative,
    InitiativeStatus,
    InitiativeType,
    RecoveryEnrollment,
)
from app.initiatives.surveys.models import SurveyResponse
from app.initiatives.surveys.tasks import sweep_surveys
from app.initiatives.tasks import sweep_recoveries
from app.integrations.platforms import Platform
from app.main import create_app
from app.messaging.models import MarketingSend, MarketingUnsubscribe, SendStatus
from app.okr.models import KeyResult
from app.shops.models import Shop
from app.tasks import registry
from app.worker.execution import execute
from tests.demo.test_demo_store import BASE_URL, Loopback
from tests.fixtures.app import finish_jobs, running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.platforms import API_KEY, API_SECRET, session_token
from tests.fixtures.settings import make_settings
from tests.initiatives.helpers import zone_at


async def test_shoppers_open_click_buy_and_unsubscribe_and_the_key_result_moves(
    pg_engine: AsyncEngine,
) -> None:
    await empty_all_tables(pg_engine)
    [shop] = [s for s in demo_shops(BASE_URL, seed=11) if s.platform is Platform.SHOPIFY]
    store = shop.store
    settings = demo_settings(
        make_settings(shopify_api_key=API_KEY, shopify_api_secret=API_SECRET), BASE_URL
    )
    loopback = Loopback()
    app = create_app(settings, registry, http_transport=loopback, run_cron=False)
    loopback.app = app
    mount(app, shop)
    sink = MailSink(utcnow)
    mail = await serve_mail(sink, settings.smtp_host, settings.smtp_port)
    try:
        async with running_app(settings, app=app) as (_, client):
            runtime = app.state.runtime
            shop_id = await install_demo_shop(runtime, shop)
            await finish_jobs(app)
            async with runtime.transaction() as session:
                row = await session.get(Shop, shop_id)
                assert row is not None
                row.timezone = zone_at(12)  # midday: no quiet hours, whenever the suite runs
            await open_dashboard(runtime, shop_id)
            # The demo started an hour and a half ago, and traded for half an hour then.
            start = utcnow() - timedelta(minutes=90)
            made = await start_initiatives(runtime, shop_id, start)
            assert set(made) == {"abandoned_checkout", "win_back", "survey"}
            courier = Courier(client, f"{BASE_URL}{shop.webhook_path}", store.shape)
            for second in range(0, 1800, 20):
                now = start + timedelta(seconds=second)
                courier.add(store.tick(now))
                await courier.send_due(now)
            await courier.send_due(utcnow())
            await finish_jobs(app)

            # Abandoned after the demo's two minutes; each first step 15 minutes later.
            await execute(runtime, sweep_abandoned_checkouts, (), {}, attempt=1, job_id=None)
            await execute(runtime, sweep_recoveries, (), {}, attempt=1, job_id=None)
            await execute(runtime, sweep_surveys, (), {}, attempt=1, job_id=None)
            await finish_jobs(app)
            assert sink.received, "the recovery e-mails reach the demo's SMTP server"

            readers = Readers(sink, store, client, seed=5, read_after=(timedelta(0),) * 2)
            courier.add(await readers.read(utcnow()))
            await courier.send_due(utcnow() + timedelta(minutes=1))
            await finish_jobs(app)
            # Returning shoppers on their thank-you page answer the survey widget.
            origin = storefront_origin(store.shop)
            pollsters = Pollsters(
                store, client, settings, shop_id, made["survey"], origin, 5, start
            )
            await pollsters.answer(utcnow())
            await finish_jobs(app)

            auth = {"Authorization": f"Bearer {session_token(DEMO_SHOP)}"}
            today = utcnow().date()
            query = {"from": (today - timedelta(days=1)).isoformat(),
                     "to": (today + timedelta(days=1)).isoformat()}  # fmt: skip
            metric = await client.get(f"/api/v1/metrics/{RECOVERY_METRIC}", params=query,
                                      headers=auth)  # fmt: skip
            assert metric.status_code == 200, metric.text
            async with AsyncSession(pg_engine) as session:
                kr_id = (
                    await session.exec(
                        select(KeyResult.id).where(KeyResult.metric_key == RECOVERY_METRIC)
                    )
                ).one()
            kr = await client.get(f"/api/v1/key-results/{kr_id}", headers=auth)
            assert kr.status_code == 200, kr.text
            # Returning customers were asked by e-mail; those who read it gave a score.
            nps = await client.get("/api/v1/metrics/nps", params=query, headers=auth)
            async with AsyncSession(pg_engine) as session:
                nps_kr = (
                    await session.exec(select(KeyResult.id).where(KeyResult.metric_key == "nps"))
                ).one()
            loyalty = await client.get(f"/api/v1/key-results/{nps_kr}", headers=auth)
    finally:
        mail.close()
        await mail.wait_closed()

    async with AsyncSession(pg_engine) as session:
        initiatives = (await session.exec(select(Initiative))).all()
        sends = (await session.exec(select(MarketingSend))).all()
        unsubscribed = (await session.exec(select(MarketingUnsubscribe))).all()
        enrollments = (await session.exec(select(RecoveryEnrollment))).all()
    assert {(i.type, i.status) for i in initiatives} == {
        (InitiativeType.ABANDONED_CHECKOUT, InitiativeStatus.ACTIVE),
        (InitiativeType.WIN_BACK, InitiativeStatus.ACTIVE),
        (InitiativeType.SURVEY, InitiativeStatus.ACTIVE),
    }
    sent = [s for s in sends if s.status is SendStatus.SENT]
    assert len(sent) == len(sink.received) > 0
    reading = readers.reading
    assert reading.opened >= 1
    assert reading.clicked >= 1
    assert reading.unsubscribed >= 1
    assert any(s.opened_at for s in sent)
    assert any(s.clicked_at for s in sent)
    assert len(unsubscribed) == reading.unsubscribed
    converted = [e for e in enrollments if e.status is EnrollmentStatus.CONVERTED and e.attributed]
    assert converted
    assert {e.checkout_token for e in converted} >= set(reading.orders)
    assert Decimal(metric.json()["value"]) >= len(reading.orders) > 0
    assert Decimal(kr.json()["status"]["value"]) >= len(reading.orders)
    # Returning customers got the survey e-mail; each who opened it gave a score.
    assert any(s.subject.startswith("survey:") for s in sent)
    assert len(reading.scores) == reading.surveys_read
    assert pollsters.answered, "returning shoppers answer the widget on their thank-you page"
    async with AsyncSession(pg_engine) as session:
        widget = (
            await session.exec(select(SurveyResponse).where(SurveyResponse.channel == "widget"))
        ).all()
    assert sorted(r.nps or 0 for r in widget) == sorted(pollsters.answered)
    given = reading.scores + pollsters.answered
    expected = Decimal(100 * (sum(s >= 9 for s in given) - sum(s <= 6 for s in given)))
    assert Decimal(nps.json()["value"]) == expected / len(given)
    assert Decimal(loyalty.json()["status"]["value"]) == Decimal(nps.json()["value"])
    await empty_all_tables(pg_engine)


def test_the_demo_shopify_store_refuses_a_code_it_holds() -> None:
    store = DemoStore(seed=1)
    first = answer(store, "mutation StoreOkrDiscount", {"discount": {"code": "BACK-ABC"}})
    again = answer(store, "mutation StoreOkrDiscount", {"discount": {"code": "back-abc"}})
    assert first is not None
    assert again is not None
    assert first["discountCodeBasicCreate"]["userErrors"] == []
    [error] = again["discountCodeBasicCreate"]["userErrors"]
    assert error["code"] == "TAKEN"
    assert again["discountCodeBasicCreate"]["codeDiscountNode"] is None
    assert len(store.discounts) == 1


@pytest.mark.parametrize("code", ["BACK-XYZ", "back-xyz"])
def test_the_demo_woocommerce_store_refuses_a_coupon_it_holds(code: str) -> None:
    store, shape = DemoStore(seed=1), WooCommerceShape("http://storeokr.test/demo/woocommerce")
    body: dict[str, Any] = {"code": "BACK-XYZ", "amount": "10"}
    made = woo_api.answer(store, shape, "POST", "coupons", {}, body)
    refused = woo_api.answer(store, shape, "POST", "coupons", {}, {**body, "code": code})
    assert made.status_code == 201
    assert refused.status_code == 400
    assert b"woocommerce_rest_coupon_code_already_exists" in refused.body
    assert len(store.discounts) == 1


def test_most_demo_shoppers_consent_to_marketing() -> None:
    store, now = DemoStore(seed=3), utcnow()
    for minute in range(240):
        store.tick(now + timedelta(minutes=minute))
    consents = [
        c["email_marketing_consent"]["state"] == "subscribed" for c in store.customers.values()
    ]
    assert 0.6 < sum(consents) / len(consents) < 1
    assert any(c["buyer_accepts_marketing"] for c in store.checkouts.values())


async def test_woo_shoppers_follow_the_cart_link_and_buy_through_it(pg_engine: AsyncEngine) -> None:
    """The WooCommerce demo store: its recovery e-mails' cart links fill a cart on the store
    (its checkout link), the shoppers who click pay it, and the orders carry the entry page
    with our marker that Order Attribution records: those recoveries count as through the link
    and move the store's own key result."""
    await empty_all_tables(pg_engine)
    [shop] = [s for s in demo_shops(BASE_URL, seed=11) if s.platform is Platform.WOOCOMMERCE]
    store = shop.store
    settings = demo_settings(make_settings(), BASE_URL)
    loopback = Loopback()
    app = create_app(settings, registry, http_transport=loopback, run_cron=False)
    loopback.app = app
    mount(app, shop)
    sink = MailSink(utcnow)
    mail = await serve_mail(sink, settings.smtp_host, settings.smtp_port)
    try:
        async with running_app(settings, app=app) as (_, client):
            runtime = app.state.runtime
            shop_id = await install_demo_shop(runtime, shop)
            await finish_jobs(app)  # connected: the store holds our webhook secret
            async with runtime.transaction() as session:
                row = await session.get(Shop, shop_id)
                assert row is not None
                row.timezone = zone_at(12)  # midday: no quiet hours, whenever the suite runs
            await track_recoveries(runtime, shop_id)
            start = utcnow() - timedelta(minutes=90)
            kinds = (InitiativeType.ABANDONED_CHECKOUT,)
            made = await start_initiatives(runtime, shop_id, start, kinds)
            assert set(made) == {"abandoned_checkout"}
            courier = Courier(client, f"{BASE_URL}{shop.webhook_path}", store.shape)
            for second in range(0, 1800, 20):
                now = start + timedelta(seconds=second)
                courier.add(store.tick(now))
                await courier.send_due(now)
            await courier.send_due(utcnow())
            await finish_jobs(app)
            await execute(runtime, sweep_abandoned_checkouts, (), {}, attempt=1, job_id=None)
            await execute(runtime, sweep_recoveries, (), {}, attempt=1, job_id=None)
            await finish_jobs(app)
            assert sink.received, "the recovery e-mails reach the demo's SMTP server"

            readers = Readers(sink, store, client, seed=5, read_after=(timedelta(0),) * 2)
            courier.add(await readers.read(utcnow()))
            await courier.send_due(utcnow() + timedelta(minutes=1))
            await finish_jobs(app)
    finally:
        mail.close()
        await mail.wait_closed()

    async with AsyncSession(pg_engine) as session:
        enrollments = (await session.exec(select(RecoveryEnrollment))).all()
        linked = (
            await session.exec(select(KeyResult).where(KeyResult.metric_key == RECOVERY_METRIC))
        ).all()
    reading = readers.reading
    assert reading.clicked >= 1
    assert reading.orders, "some shopper paid the cart a link filled"
    through_link = [e for e in enrollments if e.attributed_by == "link"]
    assert len(through_link) >= len(reading.orders)
    assert len(linked) == 1  # the store's own key result, which the recovery initiative targets
    await empty_all_tables(pg_engine)


async def test_the_demo_woo_checkout_link_fills_a_cart_and_keeps_our_parameters() -> None:
    [shop] = [s for s in demo_shops(BASE_URL) if s.platform is Platform.WOOCOMMERCE]
    app = FastAPI()
    app.include_router(woo_api.woo_storefront(shop.store))
    link = f"{woo_api.WOO_PATH}/checkout-link/"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE_URL) as client:
        params = {"products": "44101:2,8103:1", "storeokr": "5", "utm_source": "storeokr"}
        answer = await client.get(link, params=params)
        refused = await client.get(link, params={"products": "1:1"})
    assert answer.status_code == 302
    query = dict(parse_qsl(urlsplit(answer.headers["location"]).query))
    assert answer.headers["location"].startswith(f"{shop.store.shop}/checkout/?")
    assert query["storeokr"] == "5"
    assert query["utm_source"] == "storeokr"
    assert "products" not in query
    cart = shop.store.carts[query["session"]]
    assert [(p.variant_id, quantity) for p, quantity in cart] == [(44101, 2), (44103, 1)]
    assert refused.status_code == 302
    assert "/cart/" in refused.headers["location"]
