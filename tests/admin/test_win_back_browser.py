"""Acceptance (#17, 4, second half) in a real browser: with the dashboard open, an order
webhook redeeming a win-back code moves `reactivated_customers`, `coupon_redemptions` and the
key results on them without a reload. The code is the one the win-back created through the
(fake) store's API and e-mailed through a real SMTP server; real PostgreSQL; the app on a real
port. Nothing here measures speed: the page is given a generous time to change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.db import utcnow
from app.demo.okrs import Goal, add_revenue_objective
from app.initiatives.models import WinBackCode
from app.okr.models import KeyResult
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from tests.admin.browser import PATIENCE_MS
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.fixtures.payloads import payload
from tests.initiatives.helpers import Store, serve_store
from tests.initiatives.test_recovery import parts
from tests.initiatives.test_win_back import customer, initiative, rows, run_day, send

LENA_ID = 7523148894362  # the customer of the shopify_order payload


@pytest.fixture
async def served(pg_engine: AsyncEngine, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Store]:
    inbox, port = smtp_server
    await empty_all_tables(pg_engine)
    async for store in serve_store(port, inbox):
        yield store
    await empty_all_tables(pg_engine)


async def key_results(store: Store) -> dict[str, int]:
    """This year's objective with key results on reactivations and redemptions; their ids."""
    goals = [
        Goal("Customers won back", "reactivated_customers", Decimal(20)),
        Goal("Codes redeemed", "coupon_redemptions", Decimal(20)),
    ]
    async with store.runtime.transaction() as session:
        shop = await session.get(Shop, store.shop_id)
        assert shop is not None
        await add_revenue_objective(session, shop, goals)
        found = (await session.exec(select(KeyResult))).all()
    return {kr.metric_key or "": kr.id or 0 for kr in found}


async def login_path(store: Store) -> str:
    async with store.runtime.transaction() as session:
        shop = await session.get(Shop, store.shop_id)
        assert shop is not None
        link = await create_login_link(session, store.connected.settings, shop)
    parts_of = urlsplit(link)
    return f"{parts_of.path}?{parts_of.query}"


async def test_a_redeemed_win_back_code_moves_the_open_dashboard(
    served: Store, browser: Browser
) -> None:
    store = served
    krs = await key_results(store)
    await customer(store, store.shop_id, days=90)
    win_back = await initiative(store, store.shop_id)
    linked = [krs["reactivated_customers"], krs["coupon_redemptions"]]
    await store.api("PATCH", f"/{win_back}", key_result_ids=linked)
    [enrollment] = await run_day(store, win_back)
    await send(store, enrollment)  # the code is created on the store, then e-mailed
    [code] = await rows(store, WinBackCode)
    [message] = store.inbox.messages
    assert code.code in parts(message)[0]

    page = await browser.new_page()
    base = str(store.connected.client.base_url).rstrip("/")
    await page.goto(base + await login_path(store))
    won_back = page.locator(f'tr[data-key-result="{krs["reactivated_customers"]}"]')
    redeemed = page.locator(f'tr[data-key-result="{krs["coupon_redemptions"]}"]')
    await expect(won_back.get_by_test_id("kr-value")).to_have_text("0")
    await expect(redeemed.get_by_test_id("kr-value")).to_have_text("0")
    await page.wait_for_function("window.htmx !== undefined")
    await page.evaluate("window.notReloaded = true")

    body = payload("shopify_order")
    placed = (utcnow() + timedelta(seconds=1)).replace(microsecond=0).isoformat()
    body.update(
        id=6183041875099, created_at=placed, updated_at=placed, processed_at=placed,
        discount_codes=[{"code": code.code.lower(), "amount": "16.88", "type": "percentage"}],
    )  # fmt: skip
    body["customer"] = {**body["customer"], "id": LENA_ID}
    await store.deliver("orders/create", body)

    await expect(won_back.get_by_test_id("kr-value")).to_have_text("1", timeout=PATIENCE_MS)
    await expect(redeemed.get_by_test_id("kr-value")).to_have_text("1", timeout=PATIENCE_MS)
    assert await page.evaluate("window.notReloaded === true")  # the same page, updated live
    for metric in linked:
        answer = await page.request.get(f"{base}/api/v1/key-results/{metric}")
        assert Decimal((await answer.json())["status"]["value"]) == 1
