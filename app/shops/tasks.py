"""Shop jobs: finish a connection (shop details, webhook subscriptions) after install; keep a
WooCommerce store's webhooks in place; prune expired one-time nonces."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import utcnow
from app.events import publish_after_commit
from app.integrations.base import StoreUnauthorized
from app.integrations.clients import client_for
from app.runtime import Runtime
from app.shops import repository, service
from app.shops.events import ShopConnected
from app.shops.models import Shop, ShopStatus
from app.worker import JobContext, enqueue_after_commit, registry

logger = logging.getLogger(__name__)

# How long an expired nonce is kept before it is deleted: long enough for an operator to look
# into yesterday's failed connection, short enough that the table stays small however many
# connections are started and abandoned (an expired nonce is refused either way).
EXPIRED_NONCE_KEPT = timedelta(days=1)


@registry.task(name="shops.connect")
async def connect(ctx: JobContext, shop_id: int) -> None:
    """Read the shop's name, currency and time zone, and subscribe our webhooks. Safe to
    repeat: subscriptions already in place are left alone."""
    shop = await repository.get_shop(ctx.session, shop_id)
    if shop is None or shop.status is not ShopStatus.ACTIVE:
        return
    await finish_connection(ctx.runtime, ctx.session, shop)
    if shop.status is ShopStatus.ACTIVE:
        publish_after_commit(ctx.session, ShopConnected(shop_id))  # e.g. its history is loaded


async def finish_connection(runtime: Runtime, session: AsyncSession, shop: Shop) -> None:
    """Read the store's details onto the shop and make sure our webhooks are subscribed; a
    store that refuses our credentials marks the shop uninstalled."""
    client = client_for(service.connection_for(runtime, shop), runtime.http, runtime.settings)
    try:
        service.apply_shop_info(shop, await client.shop_info())
        await client.register_webhooks(webhook_address(runtime, shop))
    except StoreUnauthorized:
        # Committed, not raised: the store has told us we are no longer welcome.
        await service.mark_uninstalled(session, shop)


def webhook_address(runtime: Runtime, shop: Shop) -> str:
    return runtime.settings.public(f"/webhooks/{shop.platform.value}")


@registry.task(name="shops.check_webhooks")
async def check_webhooks(ctx: JobContext, shop_id: int) -> None:
    """Put the shop's webhooks back as they should be (run hourly with the reconciliation for
    WooCommerce, which disables a webhook after 5 failed deliveries and tells nobody): a
    disabled one is re-activated, a missing one created, duplicates deleted."""
    shop = await repository.get_shop(ctx.session, shop_id)
    if shop is None or shop.status is not ShopStatus.ACTIVE:
        return
    runtime = ctx.runtime
    client = client_for(service.connection_for(runtime, shop), runtime.http, runtime.settings)
    try:
        subscriptions = await client.register_webhooks(webhook_address(runtime, shop))
    except StoreUnauthorized:
        await service.mark_uninstalled(ctx.session, shop)
        return
    shop.webhooks_checked_at = utcnow()
    shop.webhooks_put_back = sum(subscription.put_back for subscription in subscriptions)


def enqueue_connect(session: AsyncSession, shop: Shop) -> None:
    assert shop.id is not None, "flush the shop before enqueueing its connection"
    enqueue_after_commit(session, connect.job(shop.id).keyed(f"shops.connect:{shop.id}"))


@registry.task(name="shops.prune_nonces")
async def prune_nonces(ctx: JobContext) -> None:
    """Delete one-time nonces that expired more than a day ago."""
    deleted = await service.prune_nonces(ctx.session, expired_for=EXPIRED_NONCE_KEPT)
    if deleted:
        logger.info("pruned %d expired nonces", deleted)


registry.cron(prune_nonces, minute={41}, second={0})
