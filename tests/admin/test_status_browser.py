"""Acceptance (#22, 1): on the demo, no key result shows a status its pace or forecast
contradicts. The demo runs as `storeokr demo` runs it (its stores, shoppers and OKRs), on
PostgreSQL, with the Shopify store's year so far backfilled; chromium reads the
dashboard and every key result's row is checked against the README's rule."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
import uvicorn
from playwright.async_api import Browser, Locator
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import StoreSync, SyncKind, SyncStatus
from app.db import utcnow
from app.demo.catalog import DEMO_TIMEZONE
from app.demo.runner import attach_demo, demo_settings, demo_shops, this_year_so_far
from app.main import create_app
from app.metrics.figures import local_day
from app.okr.projection import MIN_DAYS
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from app.tasks import registry
from tests.fixtures.database import empty_all_tables
from tests.fixtures.network import free_port
from tests.fixtures.stores import connection_settings
from tests.fixtures.waiting import eventually

BACKFILL_WITHIN_S = 300  # the Shopify store's year so far
RANK = {"on_track": 0, "at_risk": 1, "off_track": 2}


@pytest.fixture
async def demo(pg_engine: AsyncEngine) -> AsyncIterator[tuple[str, AsyncEngine]]:
    await empty_all_tables(pg_engine)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = demo_settings(connection_settings(), url)
    app = create_app(settings, registry)
    attach_demo(app, demo_shops(url), url, interval_s=5.0, history_since=this_year_so_far())
    running = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(running.serve())

    async def started() -> bool:
        return running.started

    await eventually(started, 60, "the demo to start")
    try:
        yield url, pg_engine
    finally:
        running.should_exit = True
        await task
        await empty_all_tables(pg_engine)


async def backfilled(engine: AsyncEngine) -> bool:
    async with AsyncSession(engine) as session:
        statement = select(StoreSync.status).where(StoreSync.kind == SyncKind.BACKFILL)
        statuses = list((await session.exec(statement)).all())
    return bool(statuses) and all(status is SyncStatus.DONE for status in statuses)


async def login_link(engine: AsyncEngine, url: str) -> str:
    """A one-time login link into the first demo store (the Shopify one, with the OKRs)."""
    settings = connection_settings().model_copy(update={"public_url": url})
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        shop = (await session.exec(select(Shop).order_by(col(Shop.id)).limit(1))).one()
        return await create_login_link(session, settings, shop)


def expected_status(score: Decimal, pace: str, chance: str) -> str:
    """The README's rule, written again from its words: the worst of the score's band (green
    from 0.70, yellow from 0.40), the pace (behind is at risk) and the forecast's chance of
    reaching the target (under 25 % at risk, under 5 % off track)."""
    signals = ["on_track" if score >= Decimal("0.7") else
               "at_risk" if score >= Decimal("0.4") else "off_track"]  # fmt: skip
    if pace == "behind":
        signals.append("at_risk")
    if chance:
        probability = float(chance)
        signals.append("off_track" if probability < 0.05 else
                       "at_risk" if probability < 0.25 else "on_track")  # fmt: skip
    return max(signals, key=RANK.__getitem__)


async def key_result_row(row: Locator) -> dict[str, Any]:
    return {
        "title": await row.locator("th").inner_text(),
        "score": (await row.get_by_test_id("kr-score").inner_text()).strip(),
        "status": await row.locator("[data-status]").get_attribute("data-status"),
        "label": (await row.locator("[data-status]").inner_text()).strip(),
        "pace": await row.get_by_test_id("kr-pace").get_attribute("data-pace") or "",
        "chance": await row.get_by_test_id("kr-forecast").get_attribute("data-chance") or "",
    }


async def test_no_key_result_of_the_demo_shows_a_status_its_pace_or_forecast_contradicts(
    demo: tuple[str, AsyncEngine], browser: Browser
) -> None:
    url, engine = demo

    async def done() -> bool:
        return await backfilled(engine)

    await eventually(done, BACKFILL_WITHIN_S, "the demo store's past to be backfilled")
    page = await browser.new_page()
    await page.goto(await login_link(engine, url))
    await page.goto(f"{url}/?locale=en")

    rule = await page.locator(".status-rule").first.inner_text()
    assert "worst of three signals" in rule
    objectives = page.locator("article.objective")
    assert await objectives.count() >= 2
    walked: list[dict[str, Any]] = []
    for index in range(await objectives.count()):
        objective = objectives.nth(index)
        rows = objective.locator(":scope > .table-scroll > table tr[data-key-result]")
        statuses = []
        for number in range(await rows.count()):
            kr = await key_result_row(rows.nth(number))
            walked.append(kr)
            if kr["score"] == "—":  # nothing to judge yet: no status either
                assert kr["status"] == "", kr
                assert kr["label"] == "No score yet", kr
                continue
            assert kr["status"] == expected_status(Decimal(kr["score"]), kr["pace"],
                                                   kr["chance"]), kr  # fmt: skip
            assert kr["label"] == {"on_track": "On track", "at_risk": "At risk",
                                   "off_track": "Off track"}[kr["status"]], kr  # fmt: skip
            statuses.append(kr["status"])
        header = objective.locator(":scope > header")
        shown = (await header.locator(".score").inner_text()).strip()
        status = await header.locator("[data-status]").get_attribute("data-status")
        if shown != "—":
            band = expected_status(Decimal(shown), "", "")
            floor = "at_risk" if "off_track" in statuses else "on_track"
            assert status == max([band, floor], key=RANK.__getitem__), (shown, statuses)
    # The demo's two objectives: revenue (five key results) and loyalty (NPS).
    assert len(walked) == 6
    assert sum(1 for kr in walked if kr["pace"]) >= 3  # the sales key results have a pace
    # and, once the cycle has a week of complete days (any day after 7 January), a forecast
    if local_day(utcnow(), DEMO_TIMEZONE).timetuple().tm_yday > MIN_DAYS + 1:
        assert any(kr["chance"] for kr in walked)
