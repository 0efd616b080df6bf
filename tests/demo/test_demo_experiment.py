"""Acceptance 4: the demo's experiment with a known true effect — 800 lapsed customers, a 50 %
holdout, 5 % against 15 % ordering in the week after — reaches the service as the demo store's
signed webhooks, and its results (the report the JSON API serves, and the admin's page) give
the lift on the orders key result with an interval that covers the simulated truth."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import utcnow
from app.demo import experiment
from app.demo.okrs import Goal, add_revenue_objective
from app.demo.runner import Courier, demo_settings, demo_shops, install_demo_shop, mount
from app.initiatives.experiments.lift import Measure
from app.initiatives.experiments.service import report
from app.main import create_app
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from app.tasks import registry
from tests.demo.test_demo_store import BASE_URL, Loopback
from tests.fixtures.app import finish_jobs, running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.settings import make_settings


async def test_the_demo_experiments_lift_covers_the_simulated_truth(pg_engine: AsyncEngine) -> None:
    await empty_all_tables(pg_engine)
    [shop] = [s for s in demo_shops(BASE_URL, seed=11) if s.store.shop.endswith("myshopify.com")]
    settings = demo_settings(make_settings(), BASE_URL)
    loopback = Loopback()
    app = create_app(settings, registry, http_transport=loopback)
    loopback.app = app
    mount(app, shop)
    async with running_app(settings, app=app) as (_, client):
        runtime = app.state.runtime
        shop_id = await install_demo_shop(runtime, shop, connect=False)
        async with runtime.transaction() as session:
            held = await session.get(Shop, shop_id)
            assert held is not None
            await add_revenue_objective(session, held, [Goal("Orders", "orders", Decimal(4200))])
        now = utcnow()
        replayed, deliveries = await experiment.replay(runtime, shop.store, shop_id, now)
        courier = Courier(client, f"{BASE_URL}{shop.webhook_path}", shop.store.shape)
        courier.add(deliveries)
        await courier.send_due(now)
        await finish_jobs(app)

        async with runtime.transaction() as session:
            found = await report(session, shop_id, replayed.initiative_id, utcnow())
        [lift] = found.key_results
        assert lift.measure is Measure.ORDERS
        assert lift.interval.covers(replayed.true_added)
        assert lift.interval.low > 0  # a real effect, and it shows
        rates = {g.group: g.conversion for g in found.results.groups}
        assert 0.02 < (rates["holdout"] or 0) < 0.09  # 5 %, every order arrived
        assert 0.10 < (rates["offer"] or 0) < 0.20  # 15 %
        groups = {g.group: g.members for g in found.results.groups}
        assert groups["holdout"] + groups["offer"] == experiment.CUSTOMERS
        assert replayed.treated == groups["offer"]

        async with runtime.transaction() as session:  # signed in to the admin
            held = await session.get(Shop, shop_id)
            assert held is not None
            link = await create_login_link(session, runtime.settings, held)
        await client.get(link.removeprefix(str(settings.public_url).rstrip("/")))
        page = await client.get(f"/admin/initiatives/{replayed.initiative_id}/results")
        assert page.status_code == 200
        [said] = re.findall(r'data-testid="lift">(.*?)</p>', page.text, re.S)
        assert said.startswith("Added ")
    await empty_all_tables(pg_engine)
