"""Saving a shop's digest settings and sending its digest: on schedule once a week, or now as
a test (at most one per TEST_SEND_INTERVAL). One message per recipient: stakeholders do not
see each other's addresses, and an address the server refuses does not stop the others. A
recipient who unsubscribed with the digest's one-click link (`app.messaging.lists`, the digest
list) is left out of both."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.i18n import gettext as _
from app.admin.i18n import ngettext
from app.config import Settings
from app.db import utcnow
from app.digest.content import digest_email
from app.digest.models import DigestSettings
from app.errors import AppError, ServiceUnavailable
from app.messaging.addresses import unsubscribe_url
from app.messaging.email import send_email
from app.messaging.lists import unsubscribed
from app.messaging.models import MailingList
from app.okr.scorecard import Scorecard, current_scorecard
from app.okr.service import invalid, today_for
from app.runtime import Runtime
from app.shops.models import Shop, SignedInShop

logger = logging.getLogger(__name__)

# "Send now" mails the saved list (up to MAX_RECIPIENTS addresses nobody has confirmed) with
# the shop's own objective titles: without a pause between sends it would be a mailing tool.
TEST_SEND_INTERVAL = timedelta(minutes=10)


class SentTooRecently(AppError):
    status_code = 429
    code = "test_digest_sent_recently"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after  # seconds, for the Retry-After header


@dataclass(frozen=True)
class DigestChoice:
    """The merchant's settings as read from the form (`app.admin.digest.form`), all checked."""

    recipients: list[str]
    weekday: int
    hour: int
    enabled: bool
    locale: str


@dataclass
class Delivery:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # address → the server's refusal


async def settings_of(session: AsyncSession, shop_id: int) -> DigestSettings:
    """The shop's saved settings, or the defaults (not stored until saved)."""
    saved = await session.get(DigestSettings, shop_id)
    return saved or DigestSettings(shop_id=shop_id)


async def recipients(session: AsyncSession, digest: DigestSettings) -> list[str]:
    """The saved addresses that have not unsubscribed from the shop's digest."""
    gone = await unsubscribed(session, digest.shop_id, MailingList.DIGEST, digest.addresses)
    return [address for address in digest.addresses if address not in gone]


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


async def claim_test_send(session: AsyncSession, shop_id: int, now: datetime) -> bool:
    """Note a test send at `now` unless one was noted less than TEST_SEND_INTERVAL ago, in one
    statement: of two clicks at once only one gets through."""
    statement = (
        update(DigestSettings)
        .where(
            col(DigestSettings.shop_id) == shop_id,
            col(DigestSettings.last_test_sent_at).is_(None)
            | (col(DigestSettings.last_test_sent_at) <= now - TEST_SEND_INTERVAL),
        )
        .values(last_test_sent_at=now)
        .returning(col(DigestSettings.shop_id))
    )
    return (await session.exec(statement)).scalar_one_or_none() is not None


async def release_test_send(
    session: AsyncSession, shop_id: int, claimed: datetime, before: datetime | None
) -> None:
    """Forget the test send noted at `claimed` (no message was accepted): the time records
    sends that reached the mail server, not attempts."""
    statement = (
        update(DigestSettings)
        .where(
            col(DigestSettings.shop_id) == shop_id,
            col(DigestSettings.last_test_sent_at) == claimed,
        )
        .values(last_test_sent_at=before)
    )
    await session.exec(statement)


async def send_test(runtime: Runtime, session: AsyncSession, shop: SignedInShop) -> Delivery:
    """The digest now, to the saved list; the week's scheduled digest still goes out. Like the
    week's claim, the send is noted in a transaction of its own before the first message, so
    that a click meanwhile is turned away and no lock is held while the SMTP server answers."""
    digest = await settings_of(session, shop.id)
    if not digest.addresses:
        raise invalid({"recipients": _("save at least one address first")})
    to = await recipients(session, digest)
    if not to:
        raise invalid({"recipients": _("every saved address has unsubscribed from the digest")})
    card = await current_scorecard(session, shop.id, today_for(shop))
    if card is None:
        raise invalid({"cycle": _("there is no open cycle today: nothing to report yet")})
    now = utcnow()
    async with runtime.transaction() as claim:
        if not await claim_test_send(claim, shop.id, now):
            raise _sent_too_recently(digest.last_test_sent_at, now)
    try:
        delivery = await deliver(runtime.settings, shop, card, digest, to, test=True)
    except BaseException:
        await _release_test(runtime, digest, now)
        raise
    if not delivery.sent:
        await _release_test(runtime, digest, now)
    return delivery


async def _release_test(runtime: Runtime, digest: DigestSettings, claimed: datetime) -> None:
    async with runtime.transaction() as session:
        await release_test_send(session, digest.shop_id, claimed, digest.last_test_sent_at)


def _sent_too_recently(last: datetime | None, now: datetime) -> SentTooRecently:
    # `last` was read before the claim: None when another click claimed in between.
    wait = (last or now) + TEST_SEND_INTERVAL - now
    seconds = max(1, math.ceil(wait.total_seconds()))
    minutes = math.ceil(seconds / 60)
    message = ngettext(
        "One test digest every %(interval)d minutes: you can send the next in %(num)d minute.",
        "One test digest every %(interval)d minutes: you can send the next in %(num)d minutes.",
        minutes,
    ) % {"interval": TEST_SEND_INTERVAL // timedelta(minutes=1), "num": minutes}
    return SentTooRecently(message, retry_after=seconds)


async def deliver(
    settings: Settings,
    shop: Shop | SignedInShop,
    card: Scorecard,
    digest: DigestSettings,
    to: list[str],
    *,
    test: bool = False,
) -> Delivery:
    """One message to each address of `to`, each with its own unsubscribe link; an address
    refused is noted and the others still sent. Raises when e-mail is not configured at all.
    Every message is written before the first is sent: one that cannot be written fails the
    run before anyone has it, so a retry sends no one a second copy."""
    dashboard = settings.public()
    emails = [
        digest_email(
            shop,
            card,
            address,
            dashboard,
            digest.locale,
            unsubscribe_url(settings, digest.shop_id, address, digest.locale, MailingList.DIGEST),
            test=test,
        )
        for address in to
    ]
    delivery = Delivery()
    for email in emails:
        try:
            await send_email(settings, email)
        except ServiceUnavailable as error:
            delivery.failed[email.to] = error.message
            continue
        delivery.sent.append(email.to)
    if delivery.failed:
        logger.warning("digest of shop %s not accepted for %s", digest.shop_id, delivery.failed)
    return delivery
