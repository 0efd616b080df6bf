"""A shop with a real SMTP server behind the app, abandoned checkouts from real webhooks, and
the recovery jobs run as the worker runs them. Times are taken when each test runs; the shop's
time zone is chosen so that its clock reads midday then (quiet hours never depend on when the
suite runs), or late evening where a test is about quiet hours."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import uvicorn
from sqlalchemy import update
from sqlmodel import col, select

from app.commerce.models import Checkout
from app.config import Settings
from app.db import utcnow
from app.ingest.tasks import sweep_abandoned_checkouts
from app.initiatives.models import Initiative, RecoveryEnrollment
from app.initiatives.tasks import send_recovery_step, sweep_recoveries
from app.main import create_app
from app.messaging.models import MarketingSend
from app.runtime import Runtime
from app.shops.models import Shop
from app.tasks import registry
from app.worker.execution import execute
from tests.fixtures.app import finish_jobs, running_app
from tests.fixtures.mail import Inbox
from tests.fixtures.network import free_port
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce, Platforms, session_token
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.waiting import eventually
from tests.fixtures.webhooks import shopify_delivery
from tests.webhooks.helpers import install

SHOP = "recovery.myshopify.com"


def zone_at(hour: int) -> str:
    """A time zone whose clock reads `hour`:xx now (Etc/GMT-N is N hours east of UTC)."""
    offset = (hour - utcnow().hour + 12) % 24 - 12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@dataclass
class Store:
    connected: Connected
    inbox: Inbox
    shop_id: int

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.connected.app.state.runtime
        return runtime

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {session_token(SHOP)}"}

    async def api(self, method: str, path: str, status: int = 200, **body: Any) -> Any:
        response = await self.connected.client.request(
            method, f"/api/v1/initiatives{path}", headers=self.auth, json=body or None
        )
        assert response.status_code == status, response.text
        return response.json()

    async def recovery(self, name: str = "Recover carts", **settings: Any) -> int:
        """An active abandoned-checkout initiative, activated a day ago (it recovers the
        checkouts these tests abandon an hour or two ago)."""
        made = await self.api(
            "POST", "", 201, type="abandoned_checkout", name=name, settings=settings
        )
        await self.api("POST", f"/{made['id']}/activate")
        async with self.runtime.transaction() as session:
            await session.exec(
                update(Initiative)
                .where(col(Initiative.id) == made["id"])
                .values(activated_at=utcnow() - timedelta(days=1))
            )
        return int(made["id"])

    async def set_zone(self, timezone: str) -> None:
        async with self.runtime.transaction() as session:
            shop = await session.get(Shop, self.shop_id)
            assert shop is not None
            shop.timezone = timezone

    async def deliver(self, topic: str, body: dict[str, Any]) -> None:
        headers, raw = shopify_delivery(SHOP, topic, body)
        answer = await self.connected.client.post("/webhooks/shopify", headers=headers, content=raw)
        assert answer.status_code == 200, answer.text
        await finish_jobs(self.connected.app)

    async def abandon(
        self, *, email: str = "lena.hoffmann@example.com", consent: bool = True
    ) -> str:
        """A checkout last touched three hours ago, with two lines, marked abandoned by the
        abandonment sweep (an hour's delay: abandoned two hours ago); its token."""
        body = payload("shopify_checkout")
        token = uuid.uuid4().hex
        touched = (utcnow() - timedelta(hours=3)).replace(microsecond=0).isoformat()
        body.update(
            token=token,
            email=email,
            created_at=touched,
            updated_at=touched,
            buyer_accepts_marketing=consent,
            abandoned_checkout_url=f"https://shop.example/checkouts/{token}/recover?key=k1",
        )
        body["customer"] = {
            **body["customer"],
            "id": int(uuid.uuid4().int % 10**12),
            "email": email,
        }
        await self.deliver("checkouts/create", body)
        await self.run(sweep_abandoned_checkouts)
        return token

    async def buy(
        self, token: str, email: str = "lena.hoffmann@example.com", **fields: Any
    ) -> None:
        """The shopper completes the checkout: an order from it, placed a second from now
        (with the order's `fields` given, e.g. its `landing_site`)."""
        body = {**payload("shopify_order"), **fields}
        now = (utcnow() + timedelta(seconds=1)).replace(microsecond=0).isoformat()
        body.update(
            id=int(uuid.uuid4().int % 10**12),
            checkout_token=token,
            email=email,
            created_at=now,
            updated_at=now,
            processed_at=now,
        )
        await self.deliver("orders/create", body)

    async def run(self, task: Any, *args: Any, attempt: int = 1) -> None:
        """One attempt of a job, as a runner executes it, then the jobs it queued."""
        await execute(self.runtime, task, args, {}, attempt=attempt, job_id=None)
        await finish_jobs(self.connected.app)

    async def sweep(self) -> None:
        await self.run(sweep_recoveries)

    async def send(self, enrollment_id: int, step: int, attempt: int = 1) -> None:
        await self.run(send_recovery_step, enrollment_id, step, attempt=attempt)

    async def enrollments(self, token: str | None = None) -> list[RecoveryEnrollment]:
        async with self.runtime.transaction() as session:
            statement = select(RecoveryEnrollment).order_by(col(RecoveryEnrollment.id))
            if token is not None:
                statement = statement.where(RecoveryEnrollment.checkout_token == token)
            return list((await session.exec(statement)).all())

    async def sends(self) -> list[MarketingSend]:
        async with self.runtime.transaction() as session:
            statement = select(MarketingSend).order_by(col(MarketingSend.id))
            return list((await session.exec(statement)).all())

    async def checkout(self, token: str) -> Checkout:
        async with self.runtime.transaction() as session:
            found = (await session.exec(select(Checkout).where(Checkout.token == token))).one()
            return found


def store_settings(smtp_port: int, **settings: object) -> Settings:
    """The test settings with the SMTP server at `smtp_port` (`settings` override the rest)."""
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_starttls": False}
    return connection_settings().model_copy(update=smtp | settings)


async def open_store(smtp_port: int, inbox: Inbox, **settings: object) -> AsyncIterator[Store]:
    """The app with the real task registry and the SMTP server at `smtp_port` (`settings`
    override the rest); one Shopify shop whose clock reads midday. The tests run the sweeps
    themselves, at the moments they choose (no cron)."""
    shopify, woo = FakeShopify(), FakeWooCommerce()
    platforms = Platforms(shopify, woo, "store.example").transport()
    configured = store_settings(smtp_port, **settings)
    async with running_app(configured, registry, platforms=platforms, run_cron=False) as (
        app,
        client,
    ):
        yield await _installed(Connected(app, client, configured, shopify, woo), inbox)


async def serve_store(smtp_port: int, inbox: Inbox) -> AsyncIterator[Store]:
    """The same store served on a real loopback port (a stream or a browser needs a real
    server): its client talks to that port, its public address is the server's."""
    shopify, woo = FakeShopify(), FakeWooCommerce()
    platforms = Platforms(shopify, woo, "store.example").transport()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    configured = store_settings(smtp_port, public_url=url)
    app = create_app(configured, registry, http_transport=platforms, run_cron=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)

    try:
        await eventually(started, 30, "the app to start")
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield await _installed(Connected(app, client, configured, shopify, woo), inbox)
    finally:
        server.should_exit = True
        await task


async def _installed(connected: Connected, inbox: Inbox) -> Store:
    shop = await install(connected, SHOP)
    assert shop.id is not None
    made = Store(connected, inbox, shop.id)
    await made.set_zone(zone_at(12))
    return made
