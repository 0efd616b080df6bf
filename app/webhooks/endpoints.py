"""Webhook receivers. Verify the raw body, store it (committed), answer: nothing else happens in
the request (the workers' dispatcher, or in embedded mode the event's job, processes it). One
receive path for every platform; what differs (headers, who signs, a test ping) is the
platform's adapter's."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.db import utcnow
from app.deps import RuntimeDep
from app.errors import PayloadTooLarge, Unauthorized
from app.integrations.adapters import PlatformAdapter, adapter_for
from app.integrations.platforms import Platform
from app.ratelimit import count_unsigned, limit_shop_webhooks, refuse_unsigned_flood
from app.runtime import Runtime
from app.webhooks import service
from app.webhooks.senders import Sender, Senders
from app.webhooks.service import Delivery, Outcome
from app.webhooks.verification import signature_is_valid

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

MAX_BODY_BYTES = 5 * 1024 * 1024


class Receipt(BaseModel):
    status: Outcome | str


@router.post("/shopify")
async def shopify(request: Request, runtime: RuntimeDep) -> Receipt:
    """Receive a Shopify webhook (HMAC-verified, recent, stored once per X-Shopify-Webhook-Id)."""
    return await receive(request, runtime, Platform.SHOPIFY)


@router.post("/woocommerce")
async def woocommerce(request: Request, runtime: RuntimeDep) -> Receipt:
    """Receive a WooCommerce webhook (signed with the shop's own secret)."""
    return await receive(request, runtime, Platform.WOOCOMMERCE)


async def receive(request: Request, runtime: Runtime, platform: Platform) -> Receipt:
    """Verify, refuse a stale delivery, count it against its shop, store it."""
    adapter = adapter_for(platform)
    body = await read_body(request)
    if adapter.is_ping(body, request.headers):
        return Receipt(status="pong")  # the platform's unsigned test: answer 200, store nothing
    sender = await verified_sender(request, runtime, adapter, platform, body)
    sent = adapter.webhook_delivery(request.headers)
    if sent.triggered_at is not None:
        max_age = timedelta(seconds=runtime.settings.webhook_max_age_seconds)
        service.refuse_stale(sent.triggered_at, utcnow(), max_age)
    delivery = Delivery(sent.delivery_id, sent.topic, body, sent.triggered_at)
    # Counted once verified and recent: nobody but the shop's platform spends its budget.
    await limit_shop_webhooks(request, sender.shop_id)
    outcome = await service.receive(runtime, sender, delivery)
    return Receipt(status=outcome)


async def verified_sender(
    request: Request,
    runtime: Runtime,
    adapter: PlatformAdapter,
    platform: Platform,
    body: bytes,
) -> Sender:
    """The shop that signed `body`, or 401. A delivery its sender's cached secret verifies
    costs no I/O: at a flash sale's rate that is nearly every one. Anything else (a shop not
    cached, a secret that just changed, a forgery) is what a flood of unsigned requests would
    make expensive, so the flood guard (a Redis read) comes before the shop is read again
    (a session only then: opening and closing one was a twentieth of a worker's time)."""
    origin = adapter.webhook_origin(request.headers)
    senders: Senders = request.app.state.senders
    domain = origin.shop

    def signed_by(sender: Sender | None) -> bool:
        if sender is None:
            return False
        secrets = adapter.signing_secrets(runtime.settings, sender.secret)
        return signature_is_valid(body, origin.signature, secrets)

    cached = senders.cached(platform, domain) if domain else None
    if cached is not None and signed_by(cached):
        return cached
    await refuse_unsigned_flood(request)
    stored = None
    if domain:
        async with runtime.sessionmaker() as session:
            stored = await senders.find(session, platform, domain, fresh=True)
    if stored is not None and signed_by(stored):
        return stored
    await count_unsigned(request)
    raise Unauthorized("webhook signature or shop not recognised")


async def read_body(request: Request) -> bytes:
    """The raw body, refusing more than 5 MB before reading it all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge("webhook bodies over 5 MB are refused")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge("webhook bodies over 5 MB are refused")
        chunks.append(chunk)
    return b"".join(chunks)
