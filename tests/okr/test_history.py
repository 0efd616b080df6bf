"""A metric key result's daily history: a snapshot for every past day of its window, taken
once; taken again when a backfill brings the store's past."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import utcnow
from app.ingest import tasks as commerce_tasks
from app.metrics.figures import local_day
from app.okr import history, tasks
from app.shops.models import Shop
from app.worker.execution import execute
from tests.commerce.test_sync import shopify_order_node
from tests.fixtures.app import finish_jobs
from tests.fixtures.stores import Connected
from tests.okr.test_api import SHOP, Api, api, objective
from tests.webhooks.helpers import install

DAYS = 6  # the cycle began this many days before today


def shop_today() -> date:
    return local_day(utcnow(), "Europe/Berlin")


async def orders_key_result(client: Api) -> dict[str, Any]:
    first = shop_today() - timedelta(days=DAYS)
    cycle = await client.post(
        "/cycles", name="Sprint", start=str(first), end=str(first + timedelta(days=60))
    )
    goal = await objective(client, cycle["id"])
    created: dict[str, Any] = await client.post(
        "/key-results", objective_id=goal["id"], title="Orders", source="metric",
        metric_key="orders", kr_type="increase_to", start_value="0", target="10",
    )  # fmt: skip
    return created


async def snapshots(client: Api, kr: dict[str, Any]) -> list[tuple[str, str]]:
    history = await client.get(f"/key-results/{kr['id']}/history")
    return [(h["snapshot_day"], h["value"]) for h in history if h["snapshot_day"]]


def past_days() -> list[str]:
    return [str(shop_today() - timedelta(days=n)) for n in range(DAYS, 0, -1)]


async def test_every_past_day_of_the_window_gets_one_snapshot(connected: Connected) -> None:
    client = await api(connected)
    kr = await orders_key_result(client)
    runtime = connected.app.state.runtime

    for _ in range(2):  # hourly: the second run finds every day taken
        await execute(runtime, tasks.snapshot_key_results, (), {}, attempt=1, job_id=None)

    assert await snapshots(client, kr) == [(day, "0") for day in past_days()]
    assert await client.get(f"/key-results/{kr['id']}/check-ins") == []  # not check-ins


async def test_a_finished_backfill_takes_the_history_again(connected: Connected) -> None:
    client = await api(connected)
    kr = await orders_key_result(client)
    runtime = connected.app.state.runtime
    await execute(runtime, tasks.snapshot_key_results, (), {}, attempt=1, job_id=None)
    # The store had two orders three days ago, which no webhook brought.
    three_days_ago = utcnow() - timedelta(days=3)
    nodes = [shopify_order_node(n, "10.00") for n in (1, 2)]
    for node in nodes:
        node["createdAt"] = node["updatedAt"] = three_days_ago.isoformat()
    connected.shopify.shop(SHOP).orders = nodes
    connected.shopify.issued_tokens.append("shpat_x")  # the token `install` stored

    shop_id = int((await client.get("/shop"))["id"])
    await execute(runtime, commerce_tasks.backfill, (shop_id, 30), {}, attempt=1, job_id=None)
    await finish_jobs(connected.app)

    ordered_on = str(local_day(three_days_ago, "Europe/Berlin"))
    expected = [(day, "2" if day >= ordered_on else "0") for day in past_days()]
    assert await snapshots(client, kr) == expected


async def test_one_shop_failing_leaves_the_others_snapshots_in(
    connected: Connected, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await api(connected)
    kr = await orders_key_result(client)
    broken = await install(connected, "broken.myshopify.com")
    real_fill = history.fill_history

    async def fill_or_fail(session: AsyncSession, shop: Shop, *, redo: bool = False) -> int:
        if shop.id == broken.id:
            raise RuntimeError("this shop's evaluation fails")
        return await real_fill(session, shop, redo=redo)

    monkeypatch.setattr(tasks, "fill_history", fill_or_fail)
    runtime = connected.app.state.runtime
    await execute(runtime, tasks.snapshot_key_results, (), {}, attempt=1, job_id=None)

    assert await snapshots(client, kr) == [(day, "0") for day in past_days()]
