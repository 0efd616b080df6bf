"""A survey sent on demand to a segment of returning customers.

The segment: customers with at least `min_orders` counted orders (open, not test — as
commerce's `CustomerReturned` counts them; two at least, so first-timers are never in it) whose
last counted order falls on one of the last `ordered_within_days` days of the shop's calendar,
today included. Each is invited once, about that last order, due at once.

The request only records invitations (one set query for the segment, then inserts in batches);
the first batch's e-mails are queued after commit and the sweep queues the rest, each sent
through `send_marketing` (consent, unsubscribe, the shared cap, quiet hours). Asking again is a
no-op: the unique key (survey, order) skips an order already asked about, and the survey's
cooldown skips a customer asked lately — by this request or by the survey's trigger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Order
from app.db import insert_many_or_skip, lock
from app.errors import Conflict, NotFound
from app.initiatives.models import EnrollmentStatus, Initiative, InitiativeStatus, InitiativeType
from app.initiatives.repository import get_initiative
from app.initiatives.surveys.invitations import Ordered, segment_lock
from app.initiatives.surveys.models import SurveyInvitation
from app.initiatives.surveys.settings import survey_settings
from app.initiatives.surveys.tasks import invitation_job
from app.integrations.events import OrderState
from app.metrics.figures import local_day
from app.worker import enqueue_after_commit

BATCH = 500  # customers invited per statement


class Segment(BaseModel):
    """Which returning customers to ask now."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"ordered_within_days": 90}]}
    )

    # Their last counted order was on one of the last this many days (today included).
    ordered_within_days: Annotated[int, Field(ge=1, le=365)] = 90
    # Only customers with at least this many counted orders (two: every returning customer).
    min_orders: Annotated[int, Field(ge=2, le=1000)] = 2


def since(segment: Segment, timezone: str, now: datetime) -> datetime:
    """The start of the segment's first day, in the shop's zone."""
    zone = ZoneInfo(timezone)
    first: date = local_day(now, timezone) - timedelta(days=segment.ordered_within_days - 1)
    return datetime.combine(first, time.min, tzinfo=zone)


async def survey_to_ask(session: AsyncSession, shop_id: int, survey_id: int) -> Initiative:
    """The shop's survey `survey_id` if it is on; 404 for another shop's or another kind's
    initiative, 409 for a survey that is not active."""
    survey = await get_initiative(session, shop_id, survey_id)
    if survey.type is not InitiativeType.SURVEY:
        raise NotFound(f"no survey {survey_id}")
    if survey.status is not InitiativeStatus.ACTIVE:
        raise Conflict(f"survey {survey_id} is {survey.status.value}: activate it to ask anyone")
    return survey


async def ask_now(
    session: AsyncSession,
    shop_id: int,
    timezone: str,
    survey_id: int,
    segment: Segment,
    now: datetime,
) -> int:
    """Ask the segment now: the number of customers invited. The first batch's e-mails are
    queued after commit; the sweep queues the rest within minutes."""
    survey = await survey_to_ask(session, shop_id, survey_id)
    made = await ask(session, survey, since(segment, timezone, now), segment, now)
    for invitation_id in made[:BATCH]:
        enqueue_after_commit(session, invitation_job(invitation_id, 1))
    return len(made)


async def count(session: AsyncSession, shop_id: int, start: datetime, segment: Segment) -> int:
    """How many customers the segment holds."""
    latest = _latest_orders(shop_id, start, segment)
    return int((await session.exec(select(func.count()).select_from(latest))).one())


async def ask(
    session: AsyncSession, survey: Initiative, start: datetime, segment: Segment, now: datetime
) -> list[int]:
    """Invite the segment's customers not asked lately, each about their last counted order,
    due now; the new invitations' ids."""
    # One lock for the whole segment (the trigger's invitations wait, then see these rows):
    # a lock per customer, held to the commit, would fill PostgreSQL's lock table.
    await lock(session, [segment_lock(survey)])
    latest = _latest_orders(survey.shop_id, start, segment)
    columns = (latest.c.customer_key, latest.c.order_platform_id, latest.c.placed_at)
    found = (await session.exec(select(*columns))).all()
    ordered = [Ordered(survey.shop_id, key, order, placed) for key, order, placed in found]
    made: list[int] = []
    for first in range(0, len(ordered), BATCH):
        made += await _invite_batch(session, survey, ordered[first : first + BATCH], now)
    return made


def _latest_orders(shop_id: int, start: datetime, segment: Segment) -> Any:
    """Per customer of the segment: their key, last counted order and when it was placed."""
    newest_first = (col(Order.placed_at).desc(), col(Order.id).desc())
    counted = (
        sa_select(
            col(Order.customer_key).label("customer_key"),
            col(Order.platform_id).label("order_platform_id"),
            col(Order.placed_at).label("placed_at"),
            func.row_number()
            .over(partition_by=col(Order.customer_key), order_by=newest_first)
            .label("rank"),
            func.count().over(partition_by=col(Order.customer_key)).label("orders"),
        )
        .where(
            col(Order.shop_id) == shop_id,
            col(Order.customer_key).is_not(None),
            col(Order.state) == OrderState.OPEN,
            col(Order.test).is_(False),
        )
        .subquery()
    )
    return (
        select(counted.c.customer_key, counted.c.order_platform_id, counted.c.placed_at)
        .where(
            counted.c.rank == 1,
            counted.c.orders >= segment.min_orders,
            counted.c.placed_at >= start,
        )
        .order_by(counted.c.customer_key)
        .subquery()
    )


async def _invite_batch(
    session: AsyncSession, survey: Initiative, batch: Sequence[Ordered], now: datetime
) -> list[int]:
    cooldown = timedelta(days=survey_settings(survey.settings).cooldown_days)
    asked = await _last_asked(session, survey, [o.customer_key for o in batch])
    rows = []
    for ordered in batch:
        about, when = asked.get(ordered.customer_key, (None, None))
        if when is not None and when > now - cooldown:
            continue  # asked lately, by this survey
        if about is not None and about > ordered.placed_at - cooldown:
            continue  # already asked about this order or one shortly before it
        rows.append(_invitation(survey, ordered, now))
    unique = ["initiative_id", "order_platform_id"]
    inserted = await insert_many_or_skip(session, SurveyInvitation, rows, unique, ("id",))
    return [row[0] for row in inserted]


async def _last_asked(
    session: AsyncSession, survey: Initiative, keys: list[str]
) -> dict[str, tuple[datetime, datetime]]:
    """Customer → (the latest order they were asked about, when last asked) by this survey."""
    i = SurveyInvitation
    statement = (
        select(i.customer_key, func.max(i.ordered_at), func.max(i.created_at))
        .where(i.shop_id == survey.shop_id, i.initiative_id == survey.id)
        .where(col(i.customer_key).in_(keys))
        .group_by(col(i.customer_key))
    )
    return {key: (about, when) for key, about, when in (await session.exec(statement)).all()}


def _invitation(survey: Initiative, ordered: Ordered, now: datetime) -> dict[str, Any]:
    return {
        "shop_id": ordered.shop_id,
        "initiative_id": survey.id,
        "customer_key": ordered.customer_key,
        "order_platform_id": ordered.order_platform_id,
        "ordered_at": ordered.placed_at,
        "status": EnrollmentStatus.ACTIVE,
        "next_step": 1,
        "next_due_at": now,
        "created_at": now,
    }
