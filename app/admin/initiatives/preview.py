"""The recovery e-mail with sample data, as a shopper would read it in each language, and a
test copy sent to the shop's own address.

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
from app.admin.i18n import gettext as _
from app.admin.i18n import ngettext
from app.commerce.models import Checkout
from app.db import lock, utcnow
from app.initiatives import emails, repository
from app.initiatives.models import Initiative
from app.messaging.email import Email, send_email
from app.okr.service import invalid
from app.ratelimit import TooManyRequests
from app.runtime import Runtime
from app.shops.models import Shop

# The copy goes to the shop's own address only, so it cannot become a mailing tool; a pause
# still keeps a double click (or a script) from filling the shop's inbox.
TEST_SEND_INTERVAL = timedelta(minutes=1)
TEST_SENT, TEST_FAILED = "test_sent", "test_failed"
SAMPLE_FIRST_NAMES = {"en": "Alex", "es": "Lucía", "de": "Lena"}


def sample_email(shop: Shop, language: str, unsubscribe: str) -> Email:
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
    runtime: Runtime, session: AsyncSession, initiative: Initiative, language: str
) -> str:
    """Send the sample e-mail in `language` to the shop's address; that address."""
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
    email = sample_email(shop, language, unsubscribe)
    with i18n.speaking(language):  # the subject says "test" in the e-mail's language
        subject = _("[Test] %(subject)s") % {"subject": email.subject}
    email = dataclasses.replace(email, to=address, subject=subject)
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
