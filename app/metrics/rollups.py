"""Writing deltas into the rollups and reading sums back."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, text
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import Money, dialect_insert
from app.metrics.figures import Contribution, SalesFigures
from app.metrics.models import SalesDay

_COLUMNS = ("gross", "discounts", "returns", "orders", "units")


async def add(session: AsyncSession, shop_id: int, slot: int, changes: Contribution) -> None:
    """Add each day's change to its row, in one statement a day (no read, no lost update)."""
    table = SalesDay.__table__  # type: ignore[attr-defined]
    for day, figures in changes.items():
        values = {
            "shop_id": shop_id,
            "day": day,
            "slot": slot,
            **{name: getattr(figures, name) for name in _COLUMNS},
        }
        statement = dialect_insert(session)(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["shop_id", "day", "slot"],
            set_={name: table.c[name] + statement.excluded[name] for name in _COLUMNS},
        )
        await session.exec(statement)


async def daily(
    session: AsyncSession, shop_id: int, start: date, end: date
) -> dict[date, SalesFigures]:
    """Each day's figures in [start, end] (days without sales are absent)."""
    c = SalesDay.__table__.c  # type: ignore[attr-defined]
    statement = (
        sa_select(
            c.day,
            func.sum(c.gross).cast(Money()),
            func.sum(c.discounts).cast(Money()),
            func.sum(c.returns).cast(Money()),
            func.sum(c.orders),
            func.sum(c.units),
        )
        .where(c.shop_id == shop_id, c.day >= start, c.day <= end)
        .group_by(c.day)
    )
    # sqlmodel types exec() for at most four columns; the statement itself is plain Core.
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    return {row[0]: SalesFigures(row[1], row[2], row[3], int(row[4]), int(row[5])) for row in rows}


async def lock_order(session: AsyncSession, shop_id: int, order_platform_id: str) -> None:
    """Serialise work on one order across transactions (PostgreSQL; SQLite has one writer): an
    order and its refund, or two updates, applied at once would each miss the other."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = f"order:{shop_id}:{order_platform_id}"
    statement = text("SELECT pg_advisory_xact_lock(hashtext(:key))").bindparams(key=key)
    await session.exec(statement)  # type: ignore[call-overload]
