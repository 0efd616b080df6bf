"""An initiative's e-mail with sample data, as a shopper would read it in each language — the
recovery e-mail of a sample cart, or the win-back e-mail (or its reminder) with a sample code
expiring as the settings say, in the shop's time zone — and a test copy sent to the shop's own
address.

A test send is not marketing: it goes to the shop, through `app.messaging.email` directly, so
no consent, cap or quiet hours apply and the marketing send log does not hold it. It is noted
in the initiative's audit ("test_sent"), claimed in a transaction of its own before the message
leaves, as the digest's test send is: a second click within TEST_SEND_INTERVAL is turned away
(429), and a send that failed releases the claim ("test_failed") so the next click may go."""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin import i18n
from app.admin.formats import read_whole
from app.admin.i18n import gettext as _
from app.admin.i18n import ngettext
from app.commerce.models import Checkout
from app.db import lock, utcnow
from app.initiatives import emails, repository
from app.initiatives.models import Initiative, InitiativeType
from app.initiatives.offers import PREFIX
from app.initiatives.settings import win_back_settings
from app.messaging.email import Email, send_email
from app.messaging.shop_settings import messaging_of
from app.okr.service import invalid
from app.ratelimit import TooManyRequests
from app.runtime import Runtime
from app.shops.models import Shop

# The copy goes to the shop's own address only, so it cannot become a mailing tool; a pause
# still keeps a double click (or a script) from filling the shop's inbox.
TEST_SEND_INTERVAL = timedelta(minutes=1)
TEST_SENT, TEST_FAILED = "test_sent", "test_failed"
SAMPLE_FIRST_NAMES = {"en": "Alex", "es": "Lucía", "de": "Lena"}
SAMPLE_CODE = f"{PREFIX}SAMPLE"  # shaped like a real code, and never one (a real one has 10)


def previewable(initiative: Initiative) -> bool:
    return initiative.type in (InitiativeType.ABANDONED_CHECKOUT, InitiativeType.WIN_BACK)


def steps_of(initiative: Initiative) -> int:
    """How many different e-mails the preview offers: a win-back's first and its reminder; a
    recovery's steps are one e-mail sent again."""
    if initiative.type is InitiativeType.WIN_BACK:
        return win_back_settings(initiative.settings).steps
    return 1


def step_of(initiative: Initiative, typed: object) -> int:
    step = read_whole(typed)
    return step if step is not None and 1 <= step <= steps_of(initiative) else 1


def sample_email(
    shop: Shop, initiative: Initiative, language: str, step: int, unsubscribe: str
) -> Email:
    """The initiative's e-mail (`step`) with sample data in `language`."""
    if initiative.type is InitiativeType.WIN_BACK:
        return sample_win_back(shop, initiative, language, step, unsubscribe)
    return sample_recovery(shop, language, unsubscribe)


def sample_win_back(
    shop: Shop, initiative: Initiative, language: str, step: int, unsubscribe: str
) -> Email:
    """The win-back e-mail with a sample code, expiring as a code made now would."""
    settings = win_back_settings(initiative.settings)
    offer = emails.Offer(
        code=SAMPLE_CODE,
        kind=settings.discount_kind,
        value=settings.discount_value,
        expires_at=utcnow() + settings.code_expiry,
    )
    first_name = SAMPLE_FIRST_NAMES[language]
    return emails.win_back_email(shop, first_name, offer, language, step, unsubscribe)


def sample_recovery(shop: Shop, language: str, unsubscribe: str) -> Email:
    """The recovery e-mail of a sample cart in `language`, to the shop's own address."""
    with i18n.speaking(language):  # the sample's products are named in the e-mail's language
        lines = [
            {"title": _("Rain jacket (sample)"), "quantity": 1, "unit_price": "89.00"},
            {"title": _("Wool socks (sample)"), "quantity": 2, "unit_price": "12.50"},
        ]
    now = utcnow()
    checkout = Checkout(
        shop_id=shop.id or 0,
        token="preview",
        started_at=now,
        platform_updated_at=now,
        email=shop.email,
        first_name=SAMPLE_FIRST_NAMES[language],
        lines=lines,
        total=Decimal("114.00"),
        recovery_url=f"{emails.storefront(shop)}/cart",  # a WooCommerce domain is a URL
    )
    return emails.recovery_email(shop, checkout, language, 0, unsubscribe)


async def send_test(
    runtime: Runtime, session: AsyncSession, initiative: Initiative, language: str, step: int = 1
) -> str:
    """Send the sample e-mail (`step`) in `language` to the shop's address; that address."""
    shop = await session.get(Shop, initiative.shop_id)
    if shop is None or not shop.email:
        raise invalid({"test": _("The shop has no e-mail address to send a test to.")})
    address = shop.email
    now = utcnow()
    async with runtime.transaction() as claim:
        await lock(claim, [f"initiative-test-send:{initiative.shop_id}"])
        since = now - TEST_SEND_INTERVAL
        last = await repository.last_audited(claim, initiative.shop_id, TEST_SENT, since)
        if last is not None:
            raise _too_soon(last + TEST_SEND_INTERVAL - now)
        repository.audit(claim, initiative, "admin", TEST_SENT, {"language": language}, now)
    unsubscribe = runtime.settings.public("/u/preview")  # a sample: it unsubscribes no one
    email = sample_email(shop, initiative, language, step, unsubscribe)
    with i18n.speaking(language):  # the subject says "test" in the e-mail's language
        subject = _("[Test] %(subject)s") % {"subject": email.subject}
    sender = await messaging_of(session, shop.id or 0)  # as the shoppers will see it
    email = dataclasses.replace(
        email,
        to=address,
        subject=subject,
        sender_name=sender.sender_name,
        reply_to=sender.reply_to,
    )
    try:
        await send_email(runtime.settings, email)
    except BaseException:
        async with runtime.transaction() as release:
            await repository.relabel_audit(release, shop.id or 0, TEST_SENT, now, TEST_FAILED)
        raise
    return address


def _too_soon(wait: timedelta) -> TooManyRequests:
    seconds = max(1, math.ceil(wait.total_seconds()))
    message = ngettext(
        "One test e-mail a minute: you can send the next in %(num)d second.",
        "One test e-mail a minute: you can send the next in %(num)d seconds.",
        seconds,
    ) % {"num": seconds}
    return TooManyRequests(message, retry_after=seconds)
