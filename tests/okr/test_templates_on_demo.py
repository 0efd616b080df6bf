"""Acceptance (#22, 3): on the demo stores, templates are filled from the history each has.
The demo's own store is backfilled through the app as `storeokr demo` backfills it (its API
served in process): the Shopify store with about eleven months of trade, the WooCommerce one
with a few weeks. The Shopify store's templates fill every metric key result — its checkouts'
past too: the abandoned (and recovered) ones its API lists, and those completed straight away
known from the orders placed with their tokens — and its rollups equal a rebuild after the
backfill; its NPS key result (our surveys measure it) is added with its bound and, the survey
having no answers yet, says that it fills in as they arrive. The WooCommerce store's guided
start makes objectives that each have key results with values."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import utcnow
from app.demo.runner import HISTORY_TICK, demo_settings, demo_shops, install_demo_shop, mount
from app.ingest.pipeline import sweep_abandoned
from app.integrations.platforms import Platform
from app.main import create_app
from app.metrics.rebuild import differences
from app.runtime import Runtime
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from app.tasks import registry
from tests.admin.editor_client import Admin
from tests.demo.test_demo_store import BASE_URL, Loopback
from tests.fixtures.app import finish_jobs, running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.settings import make_settings

SHOPIFY_DAYS, WOO_DAYS = 330, 30  # the demo: eleven months; a store just connected
CHECKOUT_RATES = {"checkout_conversion_rate", "abandoned_checkout_recovery_rate"}
NPS_WAITS = "fills in as answers arrive"


@dataclass
class DemoAdmin:
    admin: Admin
    app: FastAPI


@pytest.fixture
async def demo_admin(
    pg_engine: AsyncEngine, request: pytest.FixtureRequest
) -> AsyncIterator[DemoAdmin]:
    platform, days = request.param
    await empty_all_tables(pg_engine)
    [shop] = [s for s in demo_shops(BASE_URL, seed=7) if s.platform is platform]
    shop.store.trade_before(utcnow() - timedelta(days=days), utcnow(), HISTORY_TICK)
    settings = demo_settings(make_settings(), BASE_URL)
    loopback = Loopback()
    app = create_app(settings, registry, http_transport=loopback, run_cron=False)
    loopback.app = app
    mount(app, shop)
    async with running_app(settings, app=app) as (_, client):
        shop_id = await install_demo_shop(app.state.runtime, shop)
        await finish_jobs(app)  # connected, and its history backfilled
        runtime = app.state.runtime
        async with runtime.transaction() as session:
            row = await session.get(Shop, shop_id)
            assert row is not None
            link = await create_login_link(session, runtime.settings, row)
        await client.get(link.removeprefix("https://storeokr.test"))
        admin = Admin(client, row)
        await admin.page("/admin/okrs?locale=en")
        yield DemoAdmin(admin, app)
    await empty_all_tables(pg_engine)


async def swept(runtime: Runtime, shop: Shop) -> None:
    """The backfilled checkouts left open are abandoned, as the demo's minute sweep (a cron job,
    off in these tests) marks them: a thousand a minute, so a few runs."""
    delay = timedelta(minutes=shop.abandonment_delay_minutes)
    while True:
        async with runtime.transaction() as session:
            if not await sweep_abandoned(session, shop.id or 0, delay):
                return


async def started_cycle(admin: Admin) -> dict[str, Any]:
    """The guided start, clicked; the cycle it made."""
    started = await admin.post("/admin/okrs/start")
    assert started.status_code == 303
    [cycle] = await body(admin.client, "/api/v1/cycles")
    assert isinstance(cycle, dict)
    return cycle


async def objective_titled(admin: Admin, cycle: dict[str, Any], title: str) -> dict[str, Any]:
    objectives = await body(admin.client, f"/api/v1/objectives?cycle_id={cycle['id']}")
    [found] = [o for o in objectives if o["title"] == title]
    assert isinstance(found, dict)
    return found


async def body(client: httpx.AsyncClient, path: str) -> Any:
    answer = await client.get(path)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("demo_admin", [(Platform.SHOPIFY, SHOPIFY_DAYS)], indirect=True)
async def test_the_shopify_demos_templates_fill_every_metric_key_result(
    demo_admin: DemoAdmin,
) -> None:
    admin = demo_admin.admin
    await swept(demo_admin.app.state.runtime, admin.shop)
    cycle = await started_cycle(admin)

    templates = await body(admin.client, f"/api/v1/templates?cycle_id={cycle['id']}")

    metric_krs = [kr for t in templates for kr in t["key_results"] if kr["metric_key"]]
    [nps] = [kr for kr in metric_krs if kr["metric_key"] == "nps"]
    metric_krs.remove(nps)
    assert len(metric_krs) == 7
    for kr in metric_krs:
        assert kr["missing"] is None, kr
        assert None not in (kr["start"], kr["target"]), kr
        assert kr["target_rule"] in ("good_score", "step"), kr
        assert 0 <= (kr["chance"] if kr["chance"] is not None else -1) <= 1, kr
    rates = {kr["metric_key"]: kr for kr in metric_krs if kr["metric_key"] in CHECKOUT_RATES}
    assert set(rates) == CHECKOUT_RATES
    for kr in rates.values():  # the demo's shoppers: 60 % buy, a third of the rest come back
        assert 0 < Decimal(str(kr["start"])) < 1, kr
        assert 0 < Decimal(str(kr["target"])) < 1, kr
    # Added with its bound. The demo's survey answers only come from shoppers who order again
    # once it runs (never in the backfilled past, and no survey runs here), so none yet.
    assert (nps["kr_type"], nps["missing"], nps["target_rule"]) == ("stay_above", None, "bound")
    assert nps["start"] is None
    assert Decimal(str(nps["target"])) == Decimal(50)
    assert NPS_WAITS in nps["pending"]
    page = html.unescape((await admin.page(f"/admin/okrs?cycle={cycle['id']}&locale=en")).text)
    assert "not added: no complete week" not in page
    assert "checkouts count from the first completed one" not in page
    assert "reaching it is" in page
    assert f"{NPS_WAITS}.</span>" in page
    assert 'A survey measures it: <a href="/admin/surveys">' in page
    loyalty = await objective_titled(admin, cycle, "Customers come back and recommend us")
    krs = await body(admin.client, f"/api/v1/key-results?objective_id={loyalty['id']}")
    [added] = [kr for kr in krs if kr["metric_key"] == "nps"]  # the guided start added it
    assert (added["kr_type"], added["start_value"], added["status"]["value"]) == (
        "stay_above", None, None,
    )  # fmt: skip
    assert added["status"]["health"] is None  # nothing scored yet: no status to mislead
    async with demo_admin.app.state.runtime.transaction() as session:
        assert await differences(session, admin.shop.id or 0) == []  # rollups == a rebuild


@pytest.mark.parametrize("demo_admin", [(Platform.WOOCOMMERCE, WOO_DAYS)], indirect=True)
async def test_the_woocommerce_demos_guided_start_makes_objectives_with_valued_key_results(
    demo_admin: DemoAdmin,
) -> None:
    admin = demo_admin.admin

    cycle = await started_cycle(admin)

    objectives = await body(admin.client, f"/api/v1/objectives?cycle_id={cycle['id']}")
    assert objectives
    for objective in objectives:
        krs = await body(admin.client, f"/api/v1/key-results?objective_id={objective['id']}")
        assert krs, objective["title"]
        # The NPS bound waits for the first survey answers (the store has none): beside them.
        valued = [kr for kr in krs if not waiting_for_answers(kr)]
        assert valued, objective["title"]
        for kr in valued:
            assert kr["source"] == "metric", kr
            assert None not in (kr["start_value"], kr["target"]), kr
            assert kr["status"]["value"] is not None, kr
    dashboard = (await admin.page("/?locale=en")).text
    assert "0.01 ratio" not in dashboard


def waiting_for_answers(kr: dict[str, Any]) -> bool:
    """The template's NPS bound with no survey answer yet: no value, and so no status."""
    shape = (kr["metric_key"], kr["kr_type"], kr["status"]["value"], kr["status"]["health"])
    return shape == ("nps", "stay_above", None, None)
