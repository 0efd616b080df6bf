"""Saving a shop's digest settings and sending its digest: on schedule once a week, or now as
a test. One message per recipient: stakeholders do not see each other's addresses, and an
address the server refuses does not stop the others."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.dashboard import current_scorecard
from app.admin.digest.content import digest_email
from app.admin.digest.form import DigestChoice
from app.admin.digest.models import DigestSettings
from app.admin.i18n import gettext as _
from app.config import Settings
from app.db import utcnow
from app.errors import ServiceUnavailable
from app.messaging.email import send_email
from app.okr.scorecard import Scorecard
from app.okr.service import invalid
from app.shops.models import Shop

logger = logging.getLogger(__name__)


@dataclass
class Delivery:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # address → the server's refusal


async def settings_of(session: AsyncSession, shop_id: int) -> DigestSettings:
    """The shop's saved settings, or the defaults (not stored until saved)."""
    saved = await session.get(DigestSettings, shop_id)
    return saved or DigestSettings(shop_id=shop_id)


async def save(session: AsyncSession, shop_id: int, choice: DigestChoice) -> DigestSettings:
    digest = await settings_of(session, shop_id)
    digest.recipients = "\n".join(choice.recipients)
    digest.weekday, digest.hour = choice.weekday, choice.hour
    digest.enabled, digest.locale = choice.enabled, choice.locale
    session.add(digest)
    await session.flush()
    return digest


async def claim_week(session: AsyncSession, shop_id: int, week: date) -> bool:
    """Mark the week's digest sent, in one statement: of two runs at once (a retry, a second
    worker) only one gets the week. Committed before sending, so that no lock is held while
    the SMTP server answers (on SQLite that would stall every other write)."""
    statement = (
        update(DigestSettings)
        .where(
            col(DigestSettings.shop_id) == shop_id,
            col(DigestSettings.last_sent_week).is_(None)
            | (col(DigestSettings.last_sent_week) < week),
        )
        .values(last_sent_week=week, last_sent_at=utcnow())
        .returning(col(DigestSettings.shop_id))
    )
    return (await session.exec(statement)).scalar_one_or_none() is not None


async def release_week(session: AsyncSession, before: DigestSettings, week: date) -> None:
    """Give the week back when no message was accepted, so a later run that day retries."""
    statement = (
        update(DigestSettings)
        .where(
            col(DigestSettings.shop_id) == before.shop_id,
            col(DigestSettings.last_sent_week) == week,
        )
        .values(last_sent_week=before.last_sent_week, last_sent_at=before.last_sent_at)
    )
    await session.exec(statement)


async def send_test(session: AsyncSession, settings: Settings, shop: Shop) -> Delivery:
    """The digest now, to the saved list; the week's scheduled digest still goes out."""
    digest = await settings_of(session, shop.id or 0)
    if not digest.addresses:
        raise invalid({"recipients": _("save at least one address first")})
    card = await current_scorecard(session, shop)
    if card is None:
        raise invalid({"cycle": _("there is no open cycle today: nothing to report yet")})
    return await deliver(settings, shop, card, digest, test=True)


async def deliver(
    settings: Settings, shop: Shop, card: Scorecard, digest: DigestSettings, *, test: bool = False
) -> Delivery:
    """One message per address; an address refused is noted and the others still sent. Raises
    when e-mail is not configured at all."""
    dashboard = f"{str(settings.public_url).rstrip('/')}/"
    delivery = Delivery()
    for address in digest.addresses:
        email = digest_email(shop, card, address, dashboard, digest.locale, test=test)
        try:
            await send_email(settings, email)
        except ServiceUnavailable as error:
            delivery.failed[address] = error.message
            continue
        delivery.sent.append(address)
    if delivery.failed:
        logger.warning("digest of shop %s not accepted for %s", shop.id, delivery.failed)
    return delivery
