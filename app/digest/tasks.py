"""The hourly job that sends the digests that are due (shop-local weekday and hour)."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import utcnow
from app.digest.models import DigestSettings
from app.digest.schedule import due_week
from app.digest.service import Delivery, claim_week, deliver, recipients, release_week
from app.messaging.email import EmailNotConfigured
from app.okr.scorecard import current_scorecard
from app.okr.service import today_for
from app.runtime import Runtime
from app.shops.models import Shop, ShopStatus
from app.worker import JobContext, registry

logger = logging.getLogger(__name__)


@registry.task(name="digest.send_due")
async def send_due_digests(ctx: JobContext) -> None:
    """Every shop whose digest is due gets it once this week."""
    await send_due(ctx.runtime, ctx.session, utcnow())


# Hourly, so that each shop's chosen hour is met in its own time zone.
registry.cron(send_due_digests, minute={10}, second={0})


async def send_due(runtime: Runtime, session: AsyncSession, now: datetime) -> list[Delivery]:
    """Send each due digest (each shop's claim and release in a transaction of its own)."""
    deliveries: list[Delivery] = []
    failed: Exception | None = None
    for shop, digest in await _enabled_digests(session):
        week = due_week(digest, shop.timezone, now)
        if week is None:
            continue
        try:
            delivery = await _send_week(runtime, shop, digest, week)
        except EmailNotConfigured:
            logger.warning("weekly digests not sent: e-mail is not configured")
            break
        except Exception as error:  # this shop's digest only: the next shops still get theirs
            logger.exception("digest of shop %s failed; its week is left for a later run", shop.id)
            failed = failed or error
            continue
        if delivery is not None:
            deliveries.append(delivery)
    if failed is not None:
        raise failed  # the job is retried; the weeks already sent are claimed and stay sent
    return deliveries


async def _send_week(
    runtime: Runtime, shop: Shop, digest: DigestSettings, week: date
) -> Delivery | None:
    """The week's digest, unless another run has it, there is no open cycle to report (then
    the week stays unclaimed: a cycle opened later that day still gets its digest) or every
    recipient has unsubscribed."""
    async with runtime.transaction() as session:
        card = await current_scorecard(session, digest.shop_id, today_for(shop))
        to = await recipients(session, digest)
        if card is None or not to or not await claim_week(session, digest.shop_id, week):
            return None
    try:
        delivery = await deliver(runtime.settings, shop, card, digest, to)
    except BaseException:
        # Whatever failed (e-mail not configured, a template, a bug), a week left claimed would
        # never be sent: give it back for a later run, and let the job framework log the error.
        await _release(runtime, digest, week)
        raise
    if not delivery.sent:
        await _release(runtime, digest, week)
        logger.error("digest of shop %s not sent: %s", shop.id, delivery.failed)
    return delivery


async def _release(runtime: Runtime, digest: DigestSettings, week: date) -> None:
    async with runtime.transaction() as session:
        await release_week(session, digest, week)


async def _enabled_digests(session: AsyncSession) -> list[tuple[Shop, DigestSettings]]:
    statement = (
        select(Shop, DigestSettings)
        .join(DigestSettings, col(DigestSettings.shop_id) == col(Shop.id))
        .where(col(DigestSettings.enabled).is_(True), Shop.status == ShopStatus.ACTIVE)
    )
    return [(shop, digest) for shop, digest in (await session.exec(statement)).all()]
