"""Webhook receivers. Verify the raw body, store it, enqueue, answer: nothing else happens in
the request (processing is `webhooks.process`, in a job)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.datastructures import Headers

from app.config import Settings
from app.db import utcnow
from app.deps import RuntimeDep, SessionDep
from app.errors import BadRequest, PayloadTooLarge, Unauthorized
from app.integrations.shopify.domains import is_shop_domain
from app.integrations.woocommerce.urls import normalise_store_url
from app.ratelimit import count_unsigned, limit_shop_webhooks, refuse_unsigned_flood
from app.shops.models import Platform
from app.webhooks import service
from app.webhooks.senders import Sender, Senders
from app.webhooks.service import Delivery, Outcome
from app.webhooks.tasks import process_job
from app.webhooks.verification import signature_is_valid

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

MAX_BODY_BYTES = 5 * 1024 * 1024


class Receipt(BaseModel):
    status: Outcome | str


@router.post("/shopify")
async def shopify(request: Request, runtime: RuntimeDep, session: SessionDep) -> Receipt:
    """Receive a Shopify webhook (HMAC-verified, recent, stored once per X-Shopify-Webhook-Id)."""
    body = await read_body(request)
    headers = request.headers
    domain = headers.get("X-Shopify-Shop-Domain", "").strip().lower()
    # The app's secret signs a public app's webhooks; a custom app's own secret signs its own.
    app_secrets = runtime.settings.shopify_api_secrets  # the old one too, during a rotation
    signature = headers.get("X-Shopify-Hmac-Sha256")
    sender = await verified_sender(request, session, Platform.SHOPIFY, domain, body, signature,
                                   app_secrets)  # fmt: skip
    delivery = Delivery(
        delivery_id=required(headers, "X-Shopify-Webhook-Id"),
        topic=required(headers, "X-Shopify-Topic"),
        body=body,
        triggered_at=recent_trigger_time(headers, runtime.settings),
    )
    # Counted once verified and recent: nobody but the shop's platform spends its budget.
    await limit_shop_webhooks(request, sender.shop_id)
    return Receipt(status=await service.receive(session, sender, delivery, process_job))


@router.post("/woocommerce")
async def woocommerce(request: Request, session: SessionDep) -> Receipt:
    """Receive a WooCommerce webhook (signed with the shop's own secret)."""
    body = await read_body(request)
    headers = request.headers
    if is_ping(body, headers.get("X-WC-Webhook-Signature")):
        return Receipt(status="pong")  # WooCommerce's unsigned test on creation: answer 200
    store = normalise_store_url(headers.get("X-WC-Webhook-Source", "")) or ""
    signature = headers.get("X-WC-Webhook-Signature")
    sender = await verified_sender(request, session, Platform.WOOCOMMERCE, store, body, signature)
    delivery = Delivery(
        delivery_id=required(headers, "X-WC-Webhook-Delivery-ID"),
        topic=required(headers, "X-WC-Webhook-Topic"),
        body=body,
    )
    # WooCommerce signs no time, so a replay cannot be told by its age: the inbox's unique
    # delivery id and the mirror's newest-update-wins writes make one change nothing (README).
    await limit_shop_webhooks(request, sender.shop_id)
    return Receipt(status=await service.receive(session, sender, delivery, process_job))


async def verified_sender(
    request: Request,
    session: SessionDep,
    platform: Platform,
    domain: str,
    body: bytes,
    signature: str | None,
    app_secrets: tuple[str, ...] = (),
) -> Sender:
    """The shop that signed `body`, or 401. A signature the cached secret does not match is
    checked once more against the shop as stored (its secret may have just changed)."""
    await refuse_unsigned_flood(request)
    if platform is Platform.SHOPIFY and not is_shop_domain(domain):
        await count_unsigned(request)
        raise Unauthorized("webhook signature or shop not recognised")
    senders: Senders = request.app.state.senders
    for fresh in (False, True):
        sender = await senders.find(session, platform, domain, fresh=fresh) if domain else None
        if sender is None:
            break
        if signature_is_valid(body, signature, [*app_secrets, sender.secret]):
            return sender
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


def is_ping(body: bytes, signature: str | None) -> bool:
    return not signature and body.startswith(b"webhook_id=") and body[11:].isdigit()


def required(headers: Headers, name: str) -> str:
    value = headers.get(name)
    if not value:
        raise BadRequest(f"the {name} header is missing")
    return str(value)


def recent_trigger_time(headers: Headers, settings: Settings) -> datetime:
    """When Shopify says the event happened, which every delivery of its own carries: missing,
    unreadable, too old or ahead of our clock is 400 (`service.refuse_stale`). The header is
    not under the signature: this refuses a delivery replayed as captured, not one whose
    header was rewritten — the inbox's unique delivery id and the mirror's newest-wins writes
    stand behind it."""
    name = "X-Shopify-Triggered-At"
    triggered_at = parse_time(required(headers, name))
    if triggered_at is None:
        raise BadRequest(f"the {name} header is not an ISO 8601 time")
    max_age = timedelta(seconds=settings.webhook_max_age_seconds)
    service.refuse_stale(triggered_at, utcnow(), max_age)
    return triggered_at


def parse_time(value: str) -> datetime | None:
    """An ISO 8601 time (Shopify's has nanoseconds and a Z); one without a zone is UTC."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
