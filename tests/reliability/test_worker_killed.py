"""A worker killed in the middle of a job (a real SIGKILL of a real `storeokr worker`): the event
is handled exactly once after another worker takes over, and nothing is counted twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.commerce.models import Order, RefundRow
from app.integrations.platforms import Platform
from app.tasks import registry
from app.webhooks.models import EventStatus, WebhookEvent
from tests.fixtures.app import running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.network import free_port
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce
from tests.fixtures.settings import POSTGRES_URL, REDIS_URL
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.waiting import eventually
from tests.fixtures.webhooks import woocommerce_delivery
from tests.reliability.ledger import Tally, tally
from tests.webhooks.helpers import WOO_SECRET, install

JOB_TIMEOUT_S = 3  # arq lets another worker take a dead worker's job after this + 10 s


class SlowStore:
    """A WooCommerce store on loopback whose refunds endpoint waits until released."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.release = asyncio.Event()
        self.app = Starlette(
            routes=[Route("/wp-json/wc/v3/orders/{order_id}/refunds", self.refunds)]
        )

    async def refunds(self, request: Request) -> JSONResponse:
        self.asked.set()
        await self.release.wait()
        return JSONResponse([payload("woocommerce_refund")])


@pytest.fixture
async def slow_store() -> AsyncIterator[tuple[SlowStore, str]]:
    store, port = SlowStore(), free_port()
    server = uvicorn.Server(
        uvicorn.Config(store.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)

    await eventually(started, 10, "the slow store to start")
    yield store, f"http://127.0.0.1:{port}"
    store.release.set()
    server.should_exit = True
    await serving


async def start_worker(tmp_path: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOREOKR_")}
    env.update(
        STOREOKR_DATABASE_URL=POSTGRES_URL,
        STOREOKR_REDIS_URL=REDIS_URL,
        STOREOKR_JOB_TIMEOUT_SECONDS=str(JOB_TIMEOUT_S),
        STOREOKR_JOB_RETRY_BASE_SECONDS="0.1",
        STOREOKR_ALLOW_PRIVATE_STORE_ADDRESSES="true",  # its store is on loopback
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "worker",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def event_state(engine: AsyncEngine) -> WebhookEvent:
    async with AsyncSession(engine) as session:
        [event] = (await session.exec(select(WebhookEvent))).all()
        return event


async def test_killed_worker_job_is_handled_exactly_once_after_restart(
    pg_engine: AsyncEngine,
    redis: Redis,
    slow_store: tuple[SlowStore, str],
    tmp_path: Path,
    ledger: list[Tally],
) -> None:
    store, store_url = slow_store
    await empty_all_tables(pg_engine)
    settings = connection_settings().model_copy(update={"redis_url": REDIS_URL})
    async with running_app(settings, registry) as (app, client):
        connected = Connected(app, client, settings, FakeShopify(), FakeWooCommerce())
        shop = await install(connected, store_url, Platform.WOOCOMMERCE)
        headers, body = woocommerce_delivery(
            store_url, "order.updated", payload("woocommerce_order_refunded"), secret=WOO_SECRET
        )
        assert (
            await client.post("/webhooks/woocommerce", headers=headers, content=body)
        ).status_code == 200

    first = await start_worker(tmp_path)
    try:
        async with asyncio.timeout(30):
            await store.asked.wait()  # the job is mid-way: order applied, refund being fetched
        first.send_signal(signal.SIGKILL)
        await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
    assert (await event_state(pg_engine)).status is EventStatus.PENDING  # its work rolled back
    store.release.set()

    second = await start_worker(tmp_path)
    try:

        async def handled() -> bool:
            return (await event_state(pg_engine)).status is not EventStatus.PENDING

        await eventually(handled, 60, "the second worker to handle the event")
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()

    event = await event_state(pg_engine)
    async with AsyncSession(pg_engine) as session:
        orders = (await session.exec(select(Order))).all()
        refunds = (await session.exec(select(RefundRow))).all()
    assert event.status is EventStatus.HANDLED
    assert event.attempts == 1  # handled once; the killed attempt left no trace
    assert len(orders) == 1
    assert [r.platform_id for r in refunds] == ["726"]
    result = await tally(pg_engine, shop.id or 0, "Worker SIGKILLed mid-job", sent=1)
    ledger.append(result)
    result.assert_nothing_lost_or_doubled()
    await empty_all_tables(pg_engine)
