"""Who is asked: one invitation per survey and order, due `days_after` days after the order.

A survey whose trigger is `returning_order` invites the customer of each counted order that has
an earlier counted order of theirs (commerce's `CustomerReturned`, subscribed in `app/wiring.py`);
a first order invites no one. A survey whose trigger is `win_back_reactivation` invites the
customer of each order that reactivated them for a win-back initiative (the win-back
enrollment's `reactivated_by_order`). Only orders placed while the survey was active are asked
about, and a customer asked by a survey is not asked by it again within its cooldown.

A merchant may also ask a segment of returning customers now, whatever the trigger
(`segment.py`): the same rows, about each customer's last counted order, due at once — the same
unique key and cooldown keep anyone from being asked twice.

Subscribers run at most once, so the sweep (`invite_missed`, every few minutes) invites what a
lost subscriber missed, and the reactivations, from committed data; the unique key (survey,
order) makes a second invitation of one order a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.changes import CustomerReturned
from app.commerce.models import Order
from app.db import insert_many_or_skip, lock, lock_shared, utcnow
from app.initiatives.experiments import enrolment as experiment
from app.initiatives.experiments.assignment import assign
from app.initiatives.models import (
    EnrollmentStatus,
    Initiative,
    InitiativeStatus,
    InitiativeType,
    WinBackEnrollment,
)
from app.initiatives.repository import active_of_type
from app.initiatives.surveys.models import SurveyInvitation
from app.initiatives.surveys.settings import Trigger, survey_settings
from app.integrations.events import OrderState
from app.shops.models import Shop, ShopStatus

# An order whose e-mail was due longer ago than this is never newly invited (a backfill's old
# orders), and the sweep looks this far back for orders a lost subscriber missed: a survey
# about an order weeks old reads as a mistake.
CATCH_UP = timedelta(days=2)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Ordered:
    """An order that may trigger a survey."""

    shop_id: int
    customer_key: str
    order_platform_id: str
    placed_at: datetime


async def customer_returned(session: AsyncSession, event: CustomerReturned) -> None:
    """Subscriber: a returning customer's order invites them to the shop's surveys."""
    ordered = Ordered(event.shop_id, event.customer_key, event.order_platform_id, event.placed_at)
    surveys = await active_of_type(session, event.shop_id, InitiativeType.SURVEY)
    await invite(session, ordered, _triggered_by(surveys, Trigger.RETURNING_ORDER), utcnow())


async def invite(
    session: AsyncSession, ordered: Ordered, surveys: list[Initiative], now: datetime
) -> list[int]:
    """Invite the order's customer to each of `surveys` that should ask them; the new
    invitations' ids."""
    made = []
    for survey in surveys:
        assert survey.id is not None
        if survey.activated_at is None or ordered.placed_at < survey.activated_at:
            continue
        settings = survey_settings(survey.settings)
        if ordered.placed_at < now - timedelta(days=settings.days_after) - CATCH_UP:
            continue  # its e-mail would have been due days ago
        # A segment being asked now (`segment.py`) first, then two orders of one customer at
        # once: one invitation, the other in its cooldown.
        await lock_shared(session, segment_lock(survey))
        await lock(session, [f"survey-invite:{survey.id}:{ordered.customer_key}"])
        if await _asked_lately(session, survey, ordered, timedelta(days=settings.cooldown_days)):
            continue
        row = {
            "shop_id": ordered.shop_id,
            "initiative_id": survey.id,
            "customer_key": ordered.customer_key,
            "order_platform_id": ordered.order_platform_id,
            "ordered_at": ordered.placed_at,
            "status": EnrollmentStatus.ACTIVE,
            "next_step": 1,
            "next_due_at": None,
            "end_reason": None,
            "ended_at": None,
            "created_at": now,
        }
        groups = await assign(session, survey, [ordered.customer_key], now)
        delay = timedelta(days=settings.days_after)
        group = groups.get(ordered.customer_key)
        row = experiment.shape(row, survey, group, ordered.placed_at, delay, now)
        unique = ["initiative_id", "order_platform_id"]
        made += [
            r[0]
            for r in await insert_many_or_skip(session, SurveyInvitation, [row], unique, ("id",))
        ]
    return made


async def _asked_lately(
    session: AsyncSession, survey: Initiative, ordered: Ordered, cooldown: timedelta
) -> bool:
    statement = select(SurveyInvitation.id).where(
        SurveyInvitation.shop_id == ordered.shop_id,
        SurveyInvitation.initiative_id == survey.id,
        SurveyInvitation.customer_key == ordered.customer_key,
        col(SurveyInvitation.ordered_at) > ordered.placed_at - cooldown,
    )
    return (await session.exec(statement.limit(1))).first() is not None


async def invite_missed(session: AsyncSession, now: datetime) -> list[int]:
    """Invitations a lost subscriber missed, and the win-back reactivations' (they have no
    event of their own): the new invitations' ids."""
    made = []
    for survey in await _active_surveys(session):
        trigger = survey_settings(survey.settings).trigger
        if trigger is Trigger.RETURNING_ORDER:
            found = await _returning_orders(session, survey, now)
        else:
            found = await _reactivating_orders(session, survey, now)
        for ordered in found:
            made += await invite(session, ordered, [survey], now)
    return made


async def _active_surveys(session: AsyncSession) -> list[Initiative]:
    statement = (
        select(Initiative)
        .join(Shop, col(Shop.id) == col(Initiative.shop_id))
        .where(
            Initiative.type == InitiativeType.SURVEY,
            Initiative.status == InitiativeStatus.ACTIVE,
            Shop.status == ShopStatus.ACTIVE,  # an uninstalled shop invites no one
        )
        .order_by(col(Initiative.id))
    )
    return list((await session.exec(statement)).all())


def _since(survey: Initiative, now: datetime) -> datetime:
    """The earliest order the sweep invites for: placed while the survey was on, and recent
    enough that its e-mail is not long overdue."""
    assert survey.activated_at is not None
    days_after = timedelta(days=survey_settings(survey.settings).days_after)
    return max(survey.activated_at, now - days_after - CATCH_UP)


async def _returning_orders(
    session: AsyncSession, survey: Initiative, now: datetime
) -> list[Ordered]:
    """Counted orders since the survey's start with an earlier counted order of their
    customer, not yet invited."""
    earlier = aliased(Order)
    statement = (
        select(Order.customer_key, Order.platform_id, Order.placed_at)
        .where(
            Order.shop_id == survey.shop_id,
            col(Order.customer_key).is_not(None),
            Order.state == OrderState.OPEN,
            col(Order.test).is_(False),
            col(Order.placed_at) >= _since(survey, now),
            select(earlier.id)
            .where(
                earlier.shop_id == Order.shop_id,
                earlier.customer_key == Order.customer_key,
                earlier.state == OrderState.OPEN,
                col(earlier.test).is_(False),
                col(earlier.placed_at) < col(Order.placed_at),
            )
            .exists(),
            ~_invited(survey, col(Order.platform_id)),
        )
        .order_by(col(Order.placed_at))
        .limit(SWEEP_BATCH)
    )
    return [
        Ordered(survey.shop_id, str(key), platform_id, placed)
        for key, platform_id, placed in (await session.exec(statement)).all()
    ]


async def _reactivating_orders(
    session: AsyncSession, survey: Initiative, now: datetime
) -> list[Ordered]:
    """Orders that won a lapsed customer back since the survey's start, not yet invited."""
    w = WinBackEnrollment
    statement = (
        select(w.customer_key, w.reactivated_by_order, w.reactivated_at)
        .where(
            w.shop_id == survey.shop_id,
            w.status == EnrollmentStatus.CONVERTED,
            col(w.reactivated_by_order).is_not(None),
            col(w.reactivated_at) >= _since(survey, now),
            ~_invited(survey, col(w.reactivated_by_order)),
        )
        .order_by(col(w.reactivated_at))
        .limit(SWEEP_BATCH)
    )
    return [
        Ordered(survey.shop_id, key, str(order), placed)
        for key, order, placed in (await session.exec(statement)).all()
        if placed is not None
    ]


def _invited(survey: Initiative, order: Any) -> Any:
    return (
        select(SurveyInvitation.id)
        .where(
            SurveyInvitation.initiative_id == survey.id,
            SurveyInvitation.order_platform_id == order,
        )
        .exists()
    )


async def returning_order(session: AsyncSession, shop_id: int, order_id: str) -> Order | None:
    """The shop's counted order `order_id` if its customer has an earlier counted order."""
    earlier = aliased(Order)
    statement = select(Order).where(
        Order.shop_id == shop_id,
        Order.platform_id == order_id,
        Order.state == OrderState.OPEN,
        col(Order.test).is_(False),
        col(Order.customer_key).is_not(None),
        select(earlier.id)
        .where(
            earlier.shop_id == Order.shop_id,
            earlier.customer_key == Order.customer_key,
            earlier.state == OrderState.OPEN,
            col(earlier.test).is_(False),
            col(earlier.placed_at) < col(Order.placed_at),
        )
        .exists(),
    )
    return (await session.exec(statement)).first()


def segment_lock(survey: Initiative) -> str:
    """The lock a segment's invitations are written under: the trigger's invitations take it
    shared, so a customer asked now and returning meanwhile is asked once."""
    return f"survey-segment:{survey.id}"


def _triggered_by(surveys: list[Initiative], trigger: Trigger) -> list[Initiative]:
    return [s for s in surveys if survey_settings(s.settings).trigger is trigger]
