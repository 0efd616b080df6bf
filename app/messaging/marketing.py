"""The one way a marketing e-mail leaves: `send_marketing`.

Before anything is sent, the message's row in the send log is decided and COMMITTED in a
transaction of its own, under advisory locks on its idempotency key (shop, initiative, subject,
step) and on its address: skipped (no address, no consent, unsubscribed, over the shared cap),
deferred (quiet hours), or claimed (`sending`). Only a call that claimed the row hands the
message to SMTP, and afterwards marks it `sent` (or `failed`) in another transaction of its own.

Why claim before sending rather than log after: a job can fail at any point after the SMTP
server accepted the message — its transaction rolled back, the worker killed, the database
gone for a moment. A log row written after the send can be lost in that window and the retry
would send again; a claim committed before the send cannot be, so a retry finds `sending` or
`sent` and sends nothing. The price is at-most-once: a worker that dies between the claim and
the SMTP hand-over leaves a `sending` row and that one message is never sent — the right side
to err on for marketing. A refusal the SMTP client reports (server down, message rejected)
marks the row `failed`, which a retry may claim again; so does an e-mail that could not be
written (`render` raised, e.g. the store refused the discount code it shows): nothing was sent.

The cap and the quiet hours are the shop's (`app.messaging.shop_settings`: by default one
e-mail per address per 24 h, quiet 21:00–08:00 shop-local), read in the deciding transaction.
The cap is counted from committed claims under the address's lock, so two initiatives' jobs
for one address at once cannot both pass it. The shop's sender name and reply-to are written
on every message here, as its List-Unsubscribe headers are.

A message marked sent and an address newly unsubscribed are told after commit
(`MessagesMoved`): the metrics read from the log move on open dashboards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import lock
from app.errors import AppError
from app.events import publish_after_commit
from app.messaging.addresses import address_digest, unsubscribe_url
from app.messaging.email import Email, send_email
from app.messaging.events import MessagesMoved
from app.messaging.lists import one_click_headers
from app.messaging.models import (
    MailingList,
    MarketingSend,
    MarketingUnsubscribe,
    SendStatus,
    SkipReason,
)
from app.messaging.rules import quiet_until
from app.messaging.shop_settings import Messaging, messaging_of
from app.runtime import Runtime

_DECIDED = (SendStatus.SENDING, SendStatus.SENT, SendStatus.SKIPPED)


@dataclass(frozen=True)
class Marketing:
    """One marketing message to send: its idempotency key, its recipient and what we know of
    their consent (the caller reads it from the store's data)."""

    shop_id: int
    initiative_id: int
    subject: str  # what it is about, e.g. "checkout:<token>"
    step: int
    address: str | None
    timezone: str  # the shop's, for quiet hours
    language: str  # of the e-mail, and of the unsubscribe page it links to
    consent: bool
    consent_required: bool


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    send_id: int | None = None
    reason: SkipReason | None = None
    deferred_until: datetime | None = None
    sent_now: bool = False  # this call handed the message to the SMTP server


# The e-mail, given its send id (for the tracking marker in its links) and its unsubscribe URL
# (for a visible link in the body; the headers are added here).
Render = Callable[[int, str], Awaitable[Email]]


async def send_marketing(
    runtime: Runtime, message: Marketing, render: Render, *, now: datetime
) -> SendResult:
    """Send `message` unless a rule says otherwise or it was decided before; what happened."""
    decided, shop = await _decide(runtime, message, now)
    if not decided.sent_now:  # decided now or before: skipped, deferred, claimed or sent
        return decided
    assert decided.send_id is not None
    assert message.address is not None
    url = unsubscribe_url(runtime.settings, message.shop_id, message.address, message.language)
    try:
        email = await render(decided.send_id, url)
    except Exception as error:
        # Nothing reached the SMTP server: the claim is released (failed, claimable again),
        # else the retry would find `sending` and the message would never go out.
        detail = error.message if isinstance(error, AppError) else type(error).__name__
        await _mark(
            runtime, decided.send_id, SendStatus.FAILED, detail[:500], SkipReason.NOT_PREPARED
        )
        raise
    email = dataclasses.replace(
        email,
        to=message.address,
        headers={**email.headers, **one_click_headers(url)},
        sender_name=shop.sender_name,
        reply_to=shop.reply_to,
    )
    try:
        await send_email(runtime.settings, email)
    except AppError as error:
        await _mark(runtime, decided.send_id, SendStatus.FAILED, error.message[:500])
        raise
    await _mark(runtime, decided.send_id, SendStatus.SENT, None)
    return decided


async def record_skip(
    session: AsyncSession, message: Marketing, reason: SkipReason, now: datetime
) -> None:
    """Log that `message` is not sent, for a reason of the caller's (the customer already
    bought, the checkout has no recovery link), in the caller's transaction. A message already
    claimed or sent keeps its row."""
    await lock(session, [_key_lock(message)])
    row = await _row(session, message)
    if row is not None and row.status in _DECIDED:
        return
    row = row or _new_row(message, now)
    row.status, row.reason, row.updated_at = SendStatus.SKIPPED, reason.value, now
    session.add(row)
    await session.flush()


async def forget_address(session: AsyncSession, shop_id: int, address: str) -> int:
    """A redacted customer: the send log forgets their address's digest (its rows stay, as
    counts of what was sent, naming no one); how many rows. The unsubscribe list keeps it: it
    is a one-way digest, and forgetting it would let a returning customer be written to
    against their word."""
    result = await session.exec(
        update(MarketingSend)
        .where(
            col(MarketingSend.shop_id) == shop_id,
            col(MarketingSend.address_digest) == address_digest(shop_id, address),
        )
        .values(address_digest=None)
    )
    return result.rowcount or 0


async def _decide(
    runtime: Runtime, message: Marketing, now: datetime
) -> tuple[SendResult, Messaging]:
    """The message's fate, committed; and the shop's settings it was decided by."""
    digest = address_digest(message.shop_id, message.address) if message.address else None
    async with runtime.transaction() as session:
        keys = [_key_lock(message)]
        if digest:
            keys.append(f"marketing-address:{message.shop_id}:{digest}")
        await lock(session, keys)
        shop = await messaging_of(session, message.shop_id)
        row = await _row(session, message)
        if row is not None and row.status in _DECIDED:
            return _result(row), shop
        if row is not None and row.status is SendStatus.DEFERRED:
            assert row.deferred_until is not None
            if row.deferred_until > now:
                return _result(row), shop
        row = row or _new_row(message, now)
        row.address_digest, row.updated_at = digest, now
        row.reason, row.deferred_until = None, None
        reason = await _rule_broken(session, message, digest, row.id, shop, now)
        until = None
        if reason is None and shop.quiet is not None:
            until = quiet_until(now, message.timezone, *shop.quiet)
        if reason is not None:
            row.status, row.reason = SendStatus.SKIPPED, reason.value
        elif until is not None:
            row.status, row.reason = SendStatus.DEFERRED, SkipReason.QUIET_HOURS.value
            row.deferred_until = until
        else:
            row.status, row.sent_at, row.attempts = SendStatus.SENDING, now, row.attempts + 1
        session.add(row)
        await session.flush()
        sent_now = row.status is SendStatus.SENDING
        return dataclasses.replace(_result(row), sent_now=sent_now), shop


async def _rule_broken(
    session: AsyncSession,
    message: Marketing,
    digest: str | None,
    row_id: int | None,
    shop: Messaging,
    now: datetime,
) -> SkipReason | None:
    if digest is None:
        return SkipReason.NO_ADDRESS
    if message.consent_required and not message.consent:
        return SkipReason.CONSENT
    unsubscribed = await session.exec(
        select(MarketingUnsubscribe.id).where(
            MarketingUnsubscribe.shop_id == message.shop_id,
            MarketingUnsubscribe.mailing_list == MailingList.MARKETING,
            MarketingUnsubscribe.address_digest == digest,
        )
    )
    if unsubscribed.first() is not None:
        return SkipReason.UNSUBSCRIBED
    recent = await session.exec(
        select(func.count())
        .select_from(MarketingSend)
        .where(
            MarketingSend.shop_id == message.shop_id,
            MarketingSend.address_digest == digest,
            col(MarketingSend.status).in_([SendStatus.SENDING, SendStatus.SENT]),
            col(MarketingSend.sent_at) > now - shop.cap,
            col(MarketingSend.id) != (row_id or 0),
        )
    )
    return SkipReason.CAP if recent.one() else None


async def _mark(
    runtime: Runtime,
    send_id: int,
    status: SendStatus,
    error: str | None,
    reason: SkipReason = SkipReason.SMTP_ERROR,
) -> None:
    async with runtime.transaction() as session:
        row = await session.get(MarketingSend, send_id)
        assert row is not None
        row.status, row.error = status, error
        if status is SendStatus.FAILED:
            row.reason = reason.value
        session.add(row)
        if status is SendStatus.SENT and row.sent_at is not None:
            # `emails_sent` counts it on the day of its claim (`sent_at`), as it always has.
            publish_after_commit(session, MessagesMoved(row.shop_id, row.sent_at))


async def _row(session: AsyncSession, message: Marketing) -> MarketingSend | None:
    statement = select(MarketingSend).where(
        MarketingSend.shop_id == message.shop_id,
        MarketingSend.initiative_id == message.initiative_id,
        MarketingSend.subject == message.subject,
        MarketingSend.step == message.step,
    )
    return (await session.exec(statement.execution_options(populate_existing=True))).first()


def _new_row(message: Marketing, now: datetime) -> MarketingSend:
    return MarketingSend(
        shop_id=message.shop_id,
        initiative_id=message.initiative_id,
        subject=message.subject,
        step=message.step,
        status=SendStatus.DEFERRED,  # replaced by the decision before it is written
        created_at=now,
        updated_at=now,
    )


def _key_lock(message: Marketing) -> str:
    return (
        f"marketing-send:{message.shop_id}:{message.initiative_id}:{message.subject}:{message.step}"
    )


def _result(row: MarketingSend) -> SendResult:
    return SendResult(
        status=row.status,
        send_id=row.id,
        reason=SkipReason(row.reason) if row.reason else None,
        deferred_until=row.deferred_until,
    )
