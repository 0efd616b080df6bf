"""Win-back: customers whose last counted order is older than the lapse threshold get an
e-mail with a single-use discount code of their own, and a reminder if the initiative has two
steps.

Once a day per initiative, at its shop-local hour (`due_runs`, from the hourly sweep), a run is
claimed for the shop's local day (`win_back_runs`, unique: a second run that day does nothing)
and enrolls the shop's lapsed customers (`app.initiatives.lapse`) not written to by this
initiative within its cooldown: one enrollment per initiative, customer and lapse
(`lapsed_since` = their last counted order), so running again enrolls no one twice. Each step
is a keyed job (`send_step`) that re-checks at send time that the customer has not ordered
since, then sends through `app.messaging.marketing.send_marketing` (consent, unsubscribe, the
shared cap, quiet hours, the idempotent send log). The code is created on the store while the
e-mail is written, after the send was claimed, exactly once (`app.initiatives.offers`).

Reactivation (the customer's next counted order after our first e-mail) is
`app.initiatives.reactivation`; the daily run first catches up the orders its subscriber missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import repository as mirror
from app.commerce.models import Customer
from app.db import insert_many_or_skip
from app.initiatives import emails, offers, reactivation, steps
from app.initiatives.experiments import enrolment as experiment
from app.initiatives.experiments import variants as experiment_variants
from app.initiatives.experiments.assignment import assign, group_of
from app.initiatives.lapse import lapse_threshold
from app.initiatives.models import (
    EnrollmentStatus,
    Initiative,
    InitiativeStatus,
    InitiativeType,
    WinBackCode,
    WinBackEnrollment,
    WinBackRun,
)
from app.initiatives.settings import WinBackSettings, consent_required, win_back_settings
from app.integrations.base import DiscountKind
from app.messaging.marketing import Marketing, record_skip, send_marketing
from app.messaging.models import SendStatus, SkipReason
from app.messaging.tracking import Tracker
from app.runtime import Runtime
from app.shops.models import Shop, ShopStatus

# At most this many customers are enrolled per initiative and day (the most recently lapsed
# first); the rest wait for the next days.
DAILY_LIMIT = 500
SWEEP_BATCH = steps.SWEEP_BATCH
CODE_EXPIRED = "code_expired"


@dataclass(frozen=True)
class DueRun:
    initiative_id: int
    local_day: date


# --- The daily run --------------------------------------------------------------------------


async def due_runs(session: AsyncSession, now: datetime) -> list[DueRun]:
    """The active win-back initiatives of connected shops whose shop-local hour is now their
    `send_hour`, with the shop's local day."""
    statement = (
        select(Initiative, Shop.timezone)
        .join(Shop, col(Shop.id) == col(Initiative.shop_id))
        .where(
            Initiative.type == InitiativeType.WIN_BACK,
            Initiative.status == InitiativeStatus.ACTIVE,
            Shop.status == ShopStatus.ACTIVE,
        )
        .order_by(col(Initiative.id))
    )
    due = []
    for initiative, timezone in (await session.exec(statement)).all():
        local = now.astimezone(ZoneInfo(timezone))
        if local.hour == win_back_settings(initiative.settings).send_hour:
            assert initiative.id is not None
            due.append(DueRun(initiative.id, local.date()))
    return due


async def run(
    session: AsyncSession, initiative_id: int, local_day: date, now: datetime
) -> list[int]:
    """The initiative's run for `local_day`, once: catch up missed reactivations, find the
    lapse threshold, enroll the lapsed customers; the new enrollments' ids (their first step
    is due now)."""
    initiative = await session.get(Initiative, initiative_id)
    if initiative is None or initiative.status is not InitiativeStatus.ACTIVE:
        return []
    settings = win_back_settings(initiative.settings)
    threshold = await lapse_threshold(session, initiative.shop_id, settings, now)
    claimed = await insert_many_or_skip(
        session,
        WinBackRun,
        [
            {
                "shop_id": initiative.shop_id,
                "initiative_id": initiative_id,
                "local_day": local_day,
                "threshold_days": threshold.days,
                "threshold_derived": threshold.derived,
                "history_gaps": threshold.gaps,
                "enrolled": 0,
                "at": now,
            }
        ],
        ["initiative_id", "local_day"],
        ("id",),
    )
    if not claimed:
        return []  # this day's run happened
    await reactivation.reactivate_missed(session, initiative, now)
    enrolled = await enroll_lapsed(session, initiative, settings, threshold.days, now)
    run_row = await session.get(WinBackRun, claimed[0][0])
    assert run_row is not None
    run_row.enrolled = len(enrolled)
    session.add(run_row)
    await session.flush()
    return enrolled


async def enroll_lapsed(
    session: AsyncSession,
    initiative: Initiative,
    settings: WinBackSettings,
    threshold_days: int,
    now: datetime,
) -> list[int]:
    """Enroll the shop's customers whose last counted order is older than the threshold (and
    not older than `max_lapse_days`), who have an address, and whom this initiative has not
    enrolled for this lapse, is not writing to, nor wrote to within the cooldown."""
    assert initiative.id is not None
    earlier = WinBackEnrollment
    contacted = (
        select(earlier.id)
        .where(
            earlier.shop_id == initiative.shop_id,
            earlier.initiative_id == initiative.id,
            earlier.customer_key == Customer.key,
            or_(
                col(earlier.lapsed_since) == col(Customer.last_order_at),
                col(earlier.status) == EnrollmentStatus.ACTIVE,
                col(earlier.last_message_at) > now - settings.cooldown,
            ),
        )
        .exists()
    )
    statement = (
        select(Customer.key, Customer.last_order_at)
        .where(
            Customer.shop_id == initiative.shop_id,
            col(Customer.email).is_not(None),
            Customer.orders_count >= 1,
            col(Customer.last_order_at) < now - _days(threshold_days),
            col(Customer.last_order_at) >= now - _days(settings.max_lapse_days),
            ~contacted,
        )
        .order_by(col(Customer.last_order_at).desc())
        .limit(DAILY_LIMIT)
    )
    lapsed = (await session.exec(statement)).all()
    groups = await assign(session, initiative, [key for key, _last in lapsed], now)
    rows = [
        experiment.shape(
            {
                "shop_id": initiative.shop_id,
                "initiative_id": initiative.id,
                "customer_key": key,
                "lapsed_since": last_order_at,
                "threshold_days": threshold_days,
                "status": EnrollmentStatus.ACTIVE,
                "next_step": 1,
                "next_due_at": None,
                "end_reason": None,
                "ended_at": None,
                "created_at": now,
            },
            initiative,
            groups.get(key),
            now,
            timedelta(0),
            now,
        )
        for key, last_order_at in lapsed
    ]
    unique = ["initiative_id", "customer_key", "lapsed_since"]
    made = await insert_many_or_skip(session, WinBackEnrollment, rows, unique, ("id",))
    return [row[0] for row in made]


# --- Sending --------------------------------------------------------------------------------


async def due_steps(session: AsyncSession, now: datetime) -> list[tuple[int, int]]:
    """(enrollment id, step) of every step due now (first e-mails deferred by quiet hours,
    reminders, jobs lost on the way), oldest first."""
    return await steps.due_steps(session, WinBackEnrollment, now)


async def send_step(
    runtime: Runtime, session: AsyncSession, enrollment_id: int, step: int, now: datetime
) -> None:
    """Send step `step` of an enrollment if it is still due and wanted; safe to run twice,
    also after the store created the code or the SMTP server took the message and this job's
    transaction did not commit."""
    # (An uninstalled shop's store makes no codes: its enrollments are cancelled there.)
    due = await steps.due_and_wanted(session, WinBackEnrollment, enrollment_id, step, now)
    if due is None:
        return
    enrollment, initiative, shop = due.enrollment, due.initiative, due.shop
    settings = win_back_settings(initiative.settings)
    customer = await mirror.get_customer(session, enrollment.shop_id, enrollment.customer_key)
    message = Marketing(
        shop_id=enrollment.shop_id,
        initiative_id=enrollment.initiative_id,
        subject=f"win-back:{enrollment.id}",
        step=step,
        address=customer.email if customer else None,
        timezone=shop.timezone,
        language=settings.language.value,
        consent=customer.accepts_marketing if customer else False,
        consent_required=consent_required(shop.platform, settings.woocommerce_consent),
    )
    if customer is None or _ordered_since(customer, enrollment):
        await record_skip(session, message, SkipReason.ALREADY_BOUGHT, now)
        steps.end(enrollment, EnrollmentStatus.STOPPED, SkipReason.ALREADY_BOUGHT.value, now)
        session.add(enrollment)
        return
    if step > 1 and await _code_expired(session, enrollment, now):
        steps.end(enrollment, EnrollmentStatus.FINISHED, CODE_EXPIRED, now)
        session.add(enrollment)
        return
    email, platform_id = customer.email or "", customer.platform_id
    variant = experiment_variants.variant_named(
        initiative, await group_of(session, initiative, enrollment.customer_key)
    )
    settings = experiment_variants.win_back_offer(variant, settings)
    wording = experiment_variants.wording(variant)

    async def render(send_id: int, unsubscribe: str) -> emails.Email:
        code = await offers.ensure_code(
            runtime, shop, enrollment, email, platform_id, settings, now
        )
        offer = emails.Offer(code.code, DiscountKind(code.kind), code.value, code.expires_at)
        language = settings.language.value
        links = Tracker(runtime.settings, shop.id or 0, send_id)
        return emails.win_back_email(
            shop, customer.first_name, offer, language, step, unsubscribe, links, wording
        )

    result = await send_marketing(runtime, message, render, now=now)
    if result.status in (SendStatus.SENDING, SendStatus.SENT):
        enrollment.first_message_at = enrollment.first_message_at or now
        enrollment.last_message_at = now
        _advance(enrollment, settings, now)
    elif result.status is SendStatus.DEFERRED:
        enrollment.next_due_at = result.deferred_until
    elif result.reason is SkipReason.CAP and step > 1:
        _advance(enrollment, settings, now)  # the reminder is skipped; the code stays
    else:
        # No first e-mail (no consent, unsubscribed, over the cap): no code was made; only
        # a new lapse (after another order) enrolls the customer again.
        reason = (result.reason or SkipReason.CONSENT).value
        steps.end(enrollment, EnrollmentStatus.STOPPED, reason, now)
    session.add(enrollment)


async def give_up(session: AsyncSession, enrollment_id: int, step: int, now: datetime) -> None:
    """The step could not be sent after every try: the SMTP server, or the store that did not
    create the code (`not_prepared`)."""
    enrollment = await steps.lock(session, WinBackEnrollment, enrollment_id)
    if enrollment is not None and enrollment.status is EnrollmentStatus.ACTIVE:
        if enrollment.next_step == step:
            confirmed = await session.exec(
                select(WinBackCode.id).where(
                    WinBackCode.shop_id == enrollment.shop_id,
                    WinBackCode.enrollment_id == enrollment.id,
                    col(WinBackCode.confirmed_at).is_not(None),
                )
            )
            why = SkipReason.SMTP_ERROR if confirmed.first() else SkipReason.NOT_PREPARED
            steps.end(enrollment, EnrollmentStatus.STOPPED, why.value, now)
            session.add(enrollment)


def _advance(enrollment: WinBackEnrollment, settings: WinBackSettings, now: datetime) -> None:
    enrollment.next_step += 1
    if enrollment.next_step > settings.steps or enrollment.first_message_at is None:
        enrollment.status, enrollment.next_due_at, enrollment.ended_at = (
            EnrollmentStatus.FINISHED,
            None,
            now,
        )
        return
    enrollment.next_due_at = enrollment.first_message_at + settings.reminder_after


def _ordered_since(customer: Customer, enrollment: WinBackEnrollment) -> bool:
    last = customer.last_order_at
    return last is not None and last > enrollment.lapsed_since


async def _code_expired(
    session: AsyncSession, enrollment: WinBackEnrollment, now: datetime
) -> bool:
    statement = select(WinBackCode.expires_at).where(
        WinBackCode.shop_id == enrollment.shop_id, WinBackCode.enrollment_id == enrollment.id
    )
    expires = (await session.exec(statement)).first()
    return expires is None or expires <= now


def _days(days: int) -> timedelta:
    return timedelta(days=days)
