"""The marketing family: what the initiatives' e-mails did and what the initiatives achieved
(METRICS.md style definitions in `catalogue.MARKETING`).

Messages (sent, opened, clicked, unsubscribed) are counted from the send log and the
unsubscribed addresses themselves, by shop-local day, on indexes by shop and moment. Messaging
is infrastructure and may not call metrics, so a rollup of them could only be fed by a
subscriber after commit — at most once, so a lost subscriber would leave it short with nothing
to say by how much. The log is the truth and is written in messaging's own transactions; its
rows per range are bounded by the shared frequency cap (one marketing e-mail per customer per
day by default), so reading it is exact and cheap. The subscriber there is (`messages_moved`)
only says which day moved: a lost one delays an open dashboard's update, never a figure.

Outcomes (recovered checkouts and their revenue, reactivations, code redemptions) are recorded
by the initiatives in the transaction where each outcome is decided (`record_*`): one
`InitiativeOutcome` row per shop, kind and subject (a second recording is a no-op) and the same
figures added to `initiative_outcome_rollups`, then `MetricsMoved("marketing")` after commit so
open key results move live. A rebuild recomputes the rollup from the outcome rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, cast, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import repository as mirror
from app.db import insert_many_or_skip
from app.integrations.events import OrderState
from app.messaging.events import MessagesMoved
from app.messaging.models import MailingList, MarketingSend, MarketingUnsubscribe, SendStatus
from app.metrics import rollups
from app.metrics.deltas import announce
from app.metrics.figures import ZERO, Additive, accumulate, combine, local_day
from app.metrics.models import InitiativeOutcome, OutcomeKind
from app.metrics.outcomes import OutcomeRows, outcome_contribution
from app.shops.models import Shop

FAMILY = "marketing"


@dataclass(frozen=True)
class MessageFigures(Additive):
    """Counted straight from the send log, by the shop-local day of each moment."""

    sent: int = 0  # accepted by the SMTP server, on the day it was handed over
    opens: int = 0  # first opens, on their day
    clicks: int = 0  # first clicks, on their day
    unsubscribes: int = 0  # addresses that unsubscribed, on their day


# --- Messages, read from the send log -------------------------------------------------------


async def message_counts(
    session: AsyncSession, shop_id: int, start: date, end: date
) -> dict[date, MessageFigures]:
    """Each shop-local day's message figures in [start, end] (days without any are absent)."""
    timezone = await _timezone(session, shop_id)
    since, until = _utc_bounds(start, end, timezone)
    sends = MarketingSend.__table__.c  # type: ignore[attr-defined]
    unsubscribed = MarketingUnsubscribe.__table__.c  # type: ignore[attr-defined]
    measures: list[tuple[str, Any, list[Any]]] = [
        ("sent", sends.sent_at, [sends.shop_id == shop_id, sends.status == SendStatus.SENT]),
        ("opens", sends.opened_at, [sends.shop_id == shop_id]),
        ("clicks", sends.clicked_at, [sends.shop_id == shop_id]),
        (
            "unsubscribes",
            unsubscribed.created_at,
            # Customers leaving the shop's marketing; a stakeholder leaving the digest is not one.
            [unsubscribed.shop_id == shop_id, unsubscribed.mailing_list == MailingList.MARKETING],
        ),
    ]
    days: dict[date, dict[str, int]] = {}
    for name, moment, where in measures:
        within = [*where, moment >= since, moment < until]
        counted = await _count_by_day(session, moment, within, timezone)
        for day, count in counted.items():
            days.setdefault(day, {})[name] = count
    return {day: MessageFigures(**counts) for day, counts in days.items()}


async def sent_by_day(
    session: AsyncSession, shop_id: int, start: date, end: date, subject_prefix: str
) -> dict[date, int]:
    """Each shop-local day's messages sent in [start, end] whose subject starts with
    `subject_prefix` (one initiative type's e-mails, e.g. "survey:")."""
    timezone = await _timezone(session, shop_id)
    since, until = _utc_bounds(start, end, timezone)
    sends = MarketingSend.__table__.c  # type: ignore[attr-defined]
    where = [
        sends.shop_id == shop_id,
        sends.status == SendStatus.SENT,
        sends.subject.startswith(subject_prefix, autoescape=True),
        sends.sent_at >= since,
        sends.sent_at < until,
    ]
    return await _count_by_day(session, sends.sent_at, where, timezone)


async def _count_by_day(
    session: AsyncSession, moment: Any, where: list[Any], timezone: str
) -> dict[date, int]:
    if session.get_bind().dialect.name == "postgresql":
        # timezone(zone, timestamptz) is the wall-clock time there: its date is the local day.
        day = cast(func.timezone(timezone, moment), Date)
        statement = sa_select(day, func.count()).where(*where).group_by(day)
        rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
        return {row[0]: int(row[1]) for row in rows}
    # SQLite (the embedded demo) has no time zones: its few rows are dated here.
    moments = (await session.exec(sa_select(moment).where(*where))).all()  # type: ignore[call-overload]
    counts: dict[date, int] = {}
    for (at,) in moments:
        day_of = local_day(at, timezone)
        counts[day_of] = counts.get(day_of, 0) + 1
    return counts


def _utc_bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """The moments of [start, end] in the shop's zone: from the first day's midnight there to
    the midnight after the last day."""
    zone = ZoneInfo(timezone)
    first = datetime.combine(start, time(), tzinfo=zone)
    # Not `end`'s midnight + 24 h: a daylight-saving day is 23 or 25 hours long.
    after = datetime.combine(end + timedelta(days=1), time(), tzinfo=zone)
    return first, after


# --- Outcomes, recorded by the initiatives ----------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """An abandoned checkout recovered for an initiative (its recovery counts for it)."""

    initiative_id: int
    checkout_token: str
    order_platform_id: str | None  # the recovering order, when known
    at: datetime


async def record_recoveries(
    session: AsyncSession, shop_id: int, recoveries: list[Recovery]
) -> None:
    """Checkouts recovered for initiatives: each checkout counts once, and each recovering
    order's gross − discounts once (an order recovering two checkouts is one order's revenue).
    A recovery by a test order counts for nothing."""
    outcomes = []
    for recovery in recoveries:
        checkout = await mirror.get_checkout(session, shop_id, recovery.checkout_token)
        order_id = recovery.order_platform_id or (checkout.completed_by_order if checkout else None)
        order = await mirror.get_order(session, shop_id, order_id) if order_id else None
        if order is not None and (order.test or order.state is not OrderState.OPEN):
            continue
        if order is not None:
            value = order.gross - order.discounts
        else:  # completed with no order we hold: the value the checkout was completed with
            value = (checkout.order_value if checkout else None) or ZERO
        subject = (
            order_id if order is not None and order_id else f"checkout:{recovery.checkout_token}"
        )
        outcomes += [
            _Outcome(OutcomeKind.RECOVERED_CHECKOUT, recovery.checkout_token, recovery, ZERO),
            _Outcome(OutcomeKind.RECOVERED_ORDER, subject, recovery, value),
        ]
    await _record(session, shop_id, outcomes)


async def record_reactivation(
    session: AsyncSession, shop_id: int, initiative_id: int, order_platform_id: str, at: datetime
) -> None:
    """A lapsed customer's counted order after our first win-back e-mail: one reactivation
    per order, however many win-back initiatives had written to them."""
    event = _Moment(initiative_id, at)
    await _record(session, shop_id, [_Outcome(OutcomeKind.REACTIVATION, order_platform_id, event)])


async def record_redemptions(
    session: AsyncSession, shop_id: int, redeemed: list[tuple[int, str, datetime]]
) -> None:
    """Codes of ours redeemed for the first time: (initiative id, code, when the order was
    placed); each code counts once."""
    outcomes = [
        _Outcome(OutcomeKind.REDEMPTION, code.upper(), _Moment(initiative_id, at))
        for initiative_id, code, at in redeemed
    ]
    await _record(session, shop_id, outcomes)


@dataclass(frozen=True)
class _Moment:
    initiative_id: int
    at: datetime


@dataclass(frozen=True)
class _Outcome:
    kind: OutcomeKind
    subject: str
    source: Recovery | _Moment
    value: Decimal = ZERO


async def _record(session: AsyncSession, shop_id: int, outcomes: list[_Outcome]) -> None:
    """Insert the outcomes not yet held (sorted: two transactions take their row locks in one
    order) and add exactly those to the rollup, in the caller's transaction."""
    if not outcomes:
        return
    timezone = await _timezone(session, shop_id)
    unique = {(o.kind, o.subject): o for o in reversed(outcomes)}  # the first of a subject
    rows = [
        {
            "shop_id": shop_id,
            "kind": o.kind,
            "subject": o.subject,
            "initiative_id": o.source.initiative_id,
            "day": local_day(o.source.at, timezone),
            "at": o.source.at,
            "value": o.value,
        }
        for _, o in sorted(unique.items(), key=lambda item: (item[0][0].value, item[0][1]))
    ]
    returning = ("kind", "subject", "day", "value")
    inserted = await insert_many_or_skip(
        session, InitiativeOutcome, rows, ["shop_id", "kind", "subject"], returning
    )
    changes = combine(*(outcome_contribution(OutcomeKind(k), s, d, v) for k, s, d, v in inserted))
    if changes:
        await rollups.add_outcomes(session, shop_id, changes)
        announce(session, shop_id, FAMILY, (day for day, _slot in changes))


async def expected_outcomes(session: AsyncSession, shop_id: int) -> OutcomeRows:
    """The rollup rows as the shop's outcome rows say they should be."""
    o = InitiativeOutcome
    statement = select(col(o.kind), col(o.subject), col(o.day), col(o.value)).where(
        o.shop_id == shop_id
    )
    rows: OutcomeRows = {}
    for kind, subject, day, value in (await session.exec(statement)).all():
        accumulate(rows, outcome_contribution(kind, subject, day, value))
    return rows


async def _timezone(session: AsyncSession, shop_id: int) -> str:
    return str((await session.exec(select(Shop.timezone).where(Shop.id == shop_id))).one())


async def messages_moved(session: AsyncSession, moved: MessagesMoved) -> None:
    """Subscriber: the send log or the unsubscribe list changed (`app.messaging.events`); the
    message figures of that shop-local day moved, and open dashboards hear it."""
    timezone = await _timezone(session, moved.shop_id)
    announce(session, moved.shop_id, FAMILY, [local_day(moved.at, timezone)])
