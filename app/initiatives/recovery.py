"""Abandoned-checkout recovery: a checkout abandoned while an abandoned-checkout initiative is
active is enrolled in it, one enrollment per initiative and checkout; its steps are sent when
due (`send_step`, a keyed job per enrollment and step, queued by the minute's sweep), each one
re-checking at send time that the checkout is still open and its customer has not ordered since
it was abandoned. A completed checkout or a new order of the customer ends the enrollment as
converted, and counts for the initiative when it came through our link (the marker on the
order's landing page, or a click of our link before it: `attribution`) or within the
attribution window after one of our messages; `attributed_by` says which.

Enrolling is a subscriber to `CheckoutAbandoned`, which runs at most once (`app.events`): the
sweep enrolls again what a lost subscriber missed (`enroll_missed`), from committed data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import repository as mirror
from app.commerce.changes import CheckoutAbandoned, CheckoutCompleted, OrderPlaced
from app.commerce.models import Checkout, Order
from app.db import insert_many_or_skip, utcnow
from app.initiatives import emails, steps
from app.initiatives.cart_links import recovery_link
from app.initiatives.experiments import enrolment as experiment
from app.initiatives.experiments import variants as experiment_variants
from app.initiatives.experiments.assignment import group_of
from app.initiatives.models import (
    Attribution,
    EnrollmentStatus,
    Initiative,
    InitiativeStatus,
    InitiativeType,
    RecoveryEnrollment,
)
from app.initiatives.repository import active_of_type
from app.initiatives.settings import (
    AbandonedCheckoutSettings,
    consent_required,
    recovery_settings,
)
from app.integrations.events import OrderState
from app.messaging.marketing import Marketing, record_skip, send_marketing
from app.messaging.models import MarketingSend, SendStatus, SkipReason
from app.messaging.tracking import Tracker
from app.metrics.marketing import Recovery, record_recoveries
from app.runtime import Runtime
from app.shops.models import Shop, ShopStatus

# A checkout abandoned longer ago than this is never enrolled (a backfill's old checkouts).
ENROLL_WINDOW = timedelta(days=1)
SWEEP_BATCH = steps.SWEEP_BATCH


# --- Enrolling ------------------------------------------------------------------------------


async def enroll_abandoned(session: AsyncSession, event: CheckoutAbandoned) -> None:
    """Subscriber: enroll the checkout in each of the shop's active recovery initiatives."""
    await enroll(session, event.shop_id, event.token, utcnow())


async def enroll(session: AsyncSession, shop_id: int, token: str, now: datetime) -> int:
    """Enroll the abandoned checkout `token` where it is not yet; how many enrollments made."""
    checkout = await mirror.get_checkout(session, shop_id, token)
    if checkout is None:
        return 0
    initiatives = await active_of_type(session, shop_id, InitiativeType.ABANDONED_CHECKOUT)
    return await _enroll(session, [(checkout, i) for i in initiatives], now)


async def enroll_missed(session: AsyncSession, now: datetime) -> int:
    """Enroll the checkouts abandoned while an initiative was active that are not enrolled in
    it (a subscriber lost between a commit and its run)."""
    statement = (
        select(Checkout, Initiative)
        .join(Initiative, col(Initiative.shop_id) == col(Checkout.shop_id))
        .join(Shop, col(Shop.id) == col(Checkout.shop_id))
        .where(
            Initiative.type == InitiativeType.ABANDONED_CHECKOUT,
            Initiative.status == InitiativeStatus.ACTIVE,
            Shop.status == ShopStatus.ACTIVE,  # an uninstalled shop enrolls no one
            col(Checkout.abandoned_at) >= now - ENROLL_WINDOW,
            col(Checkout.abandoned_at) >= col(Initiative.activated_at),
            col(Checkout.completed_at).is_(None),
            ~select(RecoveryEnrollment.id)
            .where(
                RecoveryEnrollment.initiative_id == Initiative.id,
                RecoveryEnrollment.checkout_token == Checkout.token,
            )
            .exists(),
        )
        .limit(SWEEP_BATCH)
    )
    pairs = [(checkout, initiative) for checkout, initiative in (await session.exec(statement))]
    return await _enroll(session, pairs, now)


async def _enroll(
    session: AsyncSession, pairs: list[tuple[Checkout, Initiative]], now: datetime
) -> int:
    eligible = [(c, i) for c, i in pairs if _enrollable(c, i, now)]
    groups = await experiment.place(session, [(i, unit_key(c)) for c, i in eligible], now)
    rows = []
    for checkout, initiative in eligible:
        assert checkout.abandoned_at is not None
        row = {
            "shop_id": checkout.shop_id,
            "initiative_id": initiative.id,
            "checkout_token": checkout.token,
            "customer_key": _customer_key(checkout),
            "abandoned_at": checkout.abandoned_at,
            "status": EnrollmentStatus.ACTIVE,
            "next_step": 1,
            "next_due_at": None,
            "end_reason": None,
            "ended_at": None,
            "attributed": False,
            "created_at": now,
        }
        group = groups.get((initiative.id or 0, unit_key(checkout)))
        first = recovery_settings(initiative.settings).steps[0].delay
        rows.append(experiment.shape(row, initiative, group, checkout.abandoned_at, first, now))
    unique = ["initiative_id", "checkout_token"]
    return len(await insert_many_or_skip(session, RecoveryEnrollment, rows, unique, ("id",)))


def _enrollable(checkout: Checkout, initiative: Initiative, now: datetime) -> bool:
    abandoned = checkout.abandoned_at
    return not (
        abandoned is None
        or checkout.completed_at is not None
        or abandoned < now - ENROLL_WINDOW
        or initiative.activated_at is None
        or abandoned < initiative.activated_at
    )


def unit_key(checkout: Checkout) -> str:
    """Who the experiment places: the checkout's customer, or the checkout itself when it
    names no one."""
    return _customer_key(checkout) or f"checkout:{checkout.token}"


def _customer_key(checkout: Checkout) -> str | None:
    if checkout.customer_key:
        return checkout.customer_key
    return f"email:{checkout.email.strip().lower()}" if checkout.email else None


# --- Sending --------------------------------------------------------------------------------


async def due_steps(session: AsyncSession, now: datetime) -> list[tuple[int, int]]:
    """(enrollment id, step) of every step due now, oldest first."""
    return await steps.due_steps(session, RecoveryEnrollment, now)


async def send_step(
    runtime: Runtime, session: AsyncSession, enrollment_id: int, step: int, now: datetime
) -> None:
    """Send step `step` of an enrollment if it is still due and still wanted; safe to run
    twice, also after the message went out and this job's transaction did not commit."""
    due = await steps.due_and_wanted(session, RecoveryEnrollment, enrollment_id, step, now)
    if due is None:
        return
    enrollment, initiative, shop = due.enrollment, due.initiative, due.shop
    checkout = await mirror.get_checkout(session, enrollment.shop_id, enrollment.checkout_token)
    settings = recovery_settings(initiative.settings)
    message = Marketing(
        shop_id=enrollment.shop_id,
        initiative_id=initiative.id or 0,
        subject=f"checkout:{enrollment.checkout_token}",
        step=step,
        address=checkout.email if checkout else None,
        timezone=shop.timezone,
        language=settings.language.value,
        consent=await _consents(session, checkout) if checkout else False,
        consent_required=consent_required(shop.platform, settings.woocommerce_consent),
    )
    if checkout is None or await _bought_since(session, enrollment, checkout):
        await record_skip(session, message, SkipReason.ALREADY_BOUGHT, now)
        _stop(enrollment, SkipReason.ALREADY_BOUGHT, now)
        return
    if recovery_link(runtime.settings, shop, checkout, 0) is None:
        await record_skip(session, message, SkipReason.NO_RECOVERY_LINK, now)
        _stop(enrollment, SkipReason.NO_RECOVERY_LINK, now)
        return

    group = await group_of(session, initiative, unit_key(checkout))
    wording = experiment_variants.wording(experiment_variants.variant_named(initiative, group))

    async def render(send_id: int, unsubscribe: str) -> emails.Email:
        links = Tracker(runtime.settings, enrollment.shop_id, send_id)
        language = settings.language.value
        link = recovery_link(runtime.settings, shop, checkout, send_id)
        return emails.recovery_email(
            shop, checkout, language, send_id, unsubscribe, links, destination=link, wording=wording
        )

    result = await send_marketing(runtime, message, render, now=now)
    if result.status in (SendStatus.SENDING, SendStatus.SENT):
        enrollment.last_message_at = now
        _advance(enrollment, settings, now)
    elif result.status is SendStatus.DEFERRED:
        enrollment.next_due_at = result.deferred_until
    elif result.reason is SkipReason.CAP:
        _advance(enrollment, settings, now)  # skipped, not rescheduled
    else:
        _stop(enrollment, result.reason or SkipReason.CONSENT, now)
    session.add(enrollment)


async def give_up(session: AsyncSession, enrollment_id: int, step: int, now: datetime) -> None:
    """The step could not be sent after every try: the enrollment stops, and says why."""
    enrollment = await steps.lock(session, RecoveryEnrollment, enrollment_id)
    if enrollment is not None and enrollment.status is EnrollmentStatus.ACTIVE:
        if enrollment.next_step == step:
            _stop(enrollment, SkipReason.SMTP_ERROR, now)
            session.add(enrollment)


def _advance(
    enrollment: RecoveryEnrollment, settings: AbandonedCheckoutSettings, now: datetime
) -> None:
    enrollment.next_step += 1
    if enrollment.next_step > len(settings.steps):
        enrollment.status, enrollment.next_due_at, enrollment.ended_at = (
            EnrollmentStatus.FINISHED,
            None,
            now,
        )
        return
    enrollment.next_due_at = (
        enrollment.abandoned_at + settings.steps[enrollment.next_step - 1].delay
    )


def _stop(enrollment: RecoveryEnrollment, reason: SkipReason, now: datetime) -> None:
    enrollment.status, enrollment.end_reason = EnrollmentStatus.STOPPED, reason.value
    enrollment.next_due_at, enrollment.ended_at = None, now


async def _consents(session: AsyncSession, checkout: Checkout) -> bool:
    """The shopper's marketing consent as the mirror holds it: the customer's (the platform
    tells us each change of it), else the checkout's own box; no word is no consent."""
    key = _customer_key(checkout)
    customer = await mirror.get_customer(session, checkout.shop_id, key) if key else None
    if customer is not None:
        return customer.accepts_marketing
    return bool(checkout.accepts_marketing)


async def _bought_since(
    session: AsyncSession, enrollment: RecoveryEnrollment, checkout: Checkout
) -> bool:
    """The checkout completed, or its customer (by key or e-mail) placed a counted order after
    it was abandoned."""
    if checkout.completed_at is not None:
        return True
    who = []
    if enrollment.customer_key:
        who.append(col(Order.customer_key) == enrollment.customer_key)
    if checkout.email:
        who.append(func.lower(col(Order.email)) == checkout.email.strip().lower())
    if not who:
        return False
    statement = select(Order.id).where(
        Order.shop_id == enrollment.shop_id,
        Order.state == OrderState.OPEN,
        col(Order.test).is_(False),
        Order.placed_at >= enrollment.abandoned_at,
        or_(*who),
    )
    return (await session.exec(statement.limit(1))).first() is not None


# --- Converting -----------------------------------------------------------------------------


async def checkout_completed(session: AsyncSession, event: CheckoutCompleted) -> None:
    """Subscriber: the checkout was completed; its enrollments are converted."""
    await convert(session, event.shop_id, event.at, token=event.token, order=None)


async def order_placed(session: AsyncSession, event: OrderPlaced) -> None:
    """Subscriber: the customer ordered; their enrollments abandoned before it are converted."""
    if event.customer_key:
        await convert(
            session,
            event.shop_id,
            event.placed_at,
            customer_key=event.customer_key,
            order=event.order_platform_id,
        )


async def convert(
    session: AsyncSession,
    shop_id: int,
    at: datetime,
    *,
    token: str | None = None,
    customer_key: str | None = None,
    order: str | None,
) -> int:
    """End the matching enrollments as converted at `at`; a recovery counts for the initiative
    when the order came through our link, or when `at` is within its attribution window after
    our last message (`attribution`). How many converted."""
    match = (
        col(RecoveryEnrollment.checkout_token) == token
        if token is not None
        else col(RecoveryEnrollment.customer_key) == customer_key
    )
    statement = (
        select(RecoveryEnrollment, Initiative)
        .join(Initiative, col(Initiative.id) == col(RecoveryEnrollment.initiative_id))
        .where(
            RecoveryEnrollment.shop_id == shop_id,
            RecoveryEnrollment.status != EnrollmentStatus.CONVERTED,
            col(RecoveryEnrollment.abandoned_at) <= at,
            match,
        )
        .with_for_update(of=RecoveryEnrollment)
    )
    found = (await session.exec(statement)).all()
    landing = await _landing_site(session, shop_id, order, token) if found else None
    converted, recovered = 0, []
    for enrollment, initiative in found:
        window = recovery_settings(initiative.settings).attribution_window
        sends = await _sends(session, enrollment)
        by = attribution(sends, landing, enrollment.last_message_at, at, window)
        enrollment.attributed, enrollment.attributed_by = by is not None, by and by.value
        enrollment.status, enrollment.converted_at = EnrollmentStatus.CONVERTED, at
        enrollment.converted_by_order = order or enrollment.converted_by_order
        enrollment.next_due_at, enrollment.ended_at = None, enrollment.ended_at or at
        session.add(enrollment)
        converted += 1
        if enrollment.attributed:
            recovered.append(
                Recovery(
                    initiative.id or 0, enrollment.checkout_token, enrollment.converted_by_order, at
                )
            )
    await session.flush()
    # Counted in this transaction: the metrics move exactly when the conversion commits.
    await record_recoveries(session, shop_id, recovered)
    return converted


def attribution(
    sends: dict[int, datetime | None],
    landing_site: str | None,
    last_message_at: datetime | None,
    at: datetime,
    window: timedelta,
) -> Attribution | None:
    """How a conversion at `at` counts for the initiative, given the enrollment's messages
    (send id: first click) and the order's landing page: through our link when the order
    landed with the marker of one of those messages, or one of their links was clicked before
    it (the store does not always keep the marker: a shopper whose visit began elsewhere, or a
    WooCommerce store without Order Attribution, which records no entry page); else within the
    window after our last message; else not at all."""
    if marker_of(landing_site) in sends:
        return Attribution.LINK
    if any(clicked is not None and clicked <= at for clicked in sends.values()):
        return Attribution.LINK
    if last_message_at is not None and last_message_at <= at <= last_message_at + window:
        return Attribution.WINDOW
    return None


def marker_of(url: str | None) -> int | None:
    """The send id our tracking marker (`storeokr=<send id>`) names in a URL or path."""
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get(emails.MARKER, [])
    return int(values[0]) if values and values[0].isdigit() and len(values[0]) < 16 else None


async def _sends(
    session: AsyncSession, enrollment: RecoveryEnrollment
) -> dict[int, datetime | None]:
    """The enrollment's messages handed to the SMTP server: send id → first click."""
    statement = select(MarketingSend.id, MarketingSend.clicked_at).where(
        MarketingSend.shop_id == enrollment.shop_id,
        MarketingSend.initiative_id == enrollment.initiative_id,
        MarketingSend.subject == f"checkout:{enrollment.checkout_token}",
        col(MarketingSend.status).in_([SendStatus.SENDING, SendStatus.SENT]),
    )
    return {id_: clicked for id_, clicked in (await session.exec(statement)).all() if id_}


async def _landing_site(
    session: AsyncSession, shop_id: int, order: str | None, token: str | None
) -> str | None:
    """The landing page the mirror holds for the order (by its id, else by its checkout)."""
    if order is not None:
        where = col(Order.platform_id) == order
    elif token is not None:
        where = col(Order.checkout_token) == token
    else:
        return None
    statement = select(Order.landing_site).where(Order.shop_id == shop_id, where).limit(1)
    return (await session.exec(statement)).first()
