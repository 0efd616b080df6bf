"""The reliability suite's one measure: for a scenario, deliveries sent, stored, handled and
counted all equal, and nothing counted twice. Each scenario's figures go into the table of the
run (`conftest.py` writes it; `docs/reliability.md` holds the last one)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Order
from app.metrics.models import SalesDay
from app.metrics.rebuild import differences
from app.webhooks.models import EventStatus, WebhookEvent

TABLE_HEADER = (
    "| Scenario | Sent | Answered 5xx first | Stored | Handled | Orders in them | Counted "
    "| Counted twice |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
)


@dataclass(frozen=True)
class Tally:
    scenario: str
    sent: int  # distinct deliveries (a platform's retry of one is the same delivery)
    answered_5xx: int  # first answers that said "not stored: send it again"
    stored: int  # webhook_events rows
    handled: int  # of them, handled
    orders: int  # distinct orders the deliveries carry
    counted: int  # orders in the sales rollups
    counted_twice: int  # rollup orders beyond the mirror's, plus rollup rows the rebuild denies
    differences: tuple[str, ...]

    def row(self) -> str:
        figures = [self.sent, self.answered_5xx, self.stored, self.handled, self.orders]
        figures += [self.counted, self.counted_twice]
        cells = " | ".join(str(figure) for figure in figures)
        return f"| {self.scenario} | {cells} |"

    def assert_nothing_lost_or_doubled(self) -> None:
        assert self.differences == (), self.differences
        assert (self.stored, self.handled) == (self.sent,) * 2, self
        assert self.counted == self.orders, self
        assert self.counted_twice == 0, self


async def tally(
    engine: AsyncEngine,
    shop_id: int,
    scenario: str,
    *,
    sent: int,
    answered_5xx: int = 0,
    orders: int | None = None,
) -> Tally:
    """The scenario's figures as the database holds them now (`orders`: distinct orders in the
    deliveries, one each by default)."""
    async with AsyncSession(engine) as session:
        events = WebhookEvent.shop_id == shop_id
        stored = await session.scalar(select(func.count()).select_from(WebhookEvent).where(events))
        handled = await session.scalar(
            select(func.count())
            .select_from(WebhookEvent)
            .where(events, col(WebhookEvent.status) == EventStatus.HANDLED)
        )
        counted = await session.scalar(
            select(func.coalesce(func.sum(SalesDay.orders), 0)).where(SalesDay.shop_id == shop_id)
        )
        mirrored = await session.scalar(
            select(func.count()).select_from(Order).where(Order.shop_id == shop_id)
        )
        problems = tuple(await differences(session, shop_id))
    return Tally(
        scenario,
        sent,
        answered_5xx,
        int(stored or 0),
        int(handled or 0),
        sent if orders is None else orders,
        int(counted or 0),
        max(int(counted or 0) - int(mirrored or 0), 0) + len(problems),
        problems,
    )


def write_table(tallies: list[Tally], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TABLE_HEADER + "\n".join(t.row() for t in tallies) + "\n")
