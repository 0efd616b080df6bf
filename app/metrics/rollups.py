"""Writing deltas into the rollup tables and reading sums back.

Every rollup table is keyed by shop, its own key columns and a slot; its figure columns are the
fields of one `Additive` class. A delta is one upsert per key (no read, no lost update); a read
sums the slots."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, case, func, insert
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import Money, cached_statement, lock
from app.metrics.checkouts import CheckoutFigures
from app.metrics.customers import (
    FIRST,
    HORIZON_DAYS,
    CustomerCounts,
    CustomerDayFigures,
    CustomerFigures,
    CustomerKey,
    DayRows,
    PairRows,
    PreviousDayFigures,
    PreviousRows,
)
from app.metrics.figures import Additive, SalesFigures
from app.metrics.models import (
    CheckoutDay,
    CustomerDay,
    CustomerDayTotals,
    CustomerPreviousTotals,
    OutcomeDay,
    SalesDay,
)
from app.metrics.outcomes import OutcomeFigures, OutcomeRows
from app.metrics.periods import Granularity, sql_period_start

F = TypeVar("F", bound=Additive)


class DailyReader(Protocol[F]):
    async def __call__(
        self, session: AsyncSession, shop_id: int, start: date, end: date
    ) -> dict[date, F]: ...


SalesRows = Mapping[tuple[date, int], SalesFigures]  # (day, slot)
CheckoutRows = Mapping[tuple[date, int], CheckoutFigures]  # (day, slot)


async def add_sales(session: AsyncSession, shop_id: int, rows: SalesRows) -> None:
    await _add(session, SalesDay, shop_id, ("day", "slot"), rows)


async def add_customers(
    session: AsyncSession, shop_id: int, rows: tuple[PairRows, DayRows, PreviousRows]
) -> None:
    pairs, days, previous_days = rows
    await _add(session, CustomerDay, shop_id, ("day", "previous", "slot"), pairs)
    await _add(session, CustomerDayTotals, shop_id, ("day", "slot"), days)
    await _add(session, CustomerPreviousTotals, shop_id, ("previous", "slot"), previous_days)


async def add_checkouts(session: AsyncSession, shop_id: int, rows: CheckoutRows) -> None:
    await _add(session, CheckoutDay, shop_id, ("day", "slot"), rows)


async def add_outcomes(session: AsyncSession, shop_id: int, rows: OutcomeRows) -> None:
    await _add(session, OutcomeDay, shop_id, ("day", "slot"), rows)


async def write_fresh(
    session: AsyncSession, shop_id: int, sales: SalesRows,
    customers: tuple[PairRows, DayRows, PreviousRows], checkouts: CheckoutRows,
    outcomes: OutcomeRows,
) -> None:  # fmt: skip
    """Insert a shop's rows into emptied tables, many per statement (a rebuild)."""
    pairs, days, previous_days = customers
    tables: list[tuple[type[SQLModel], Mapping[Any, Additive], tuple[str, ...]]] = [
        (SalesDay, sales, ("day", "slot")),
        (CustomerDay, pairs, ("day", "previous", "slot")),
        (CustomerDayTotals, days, ("day", "slot")),
        (CustomerPreviousTotals, previous_days, ("previous", "slot")),
        (CheckoutDay, checkouts, ("day", "slot")),
        (OutcomeDay, outcomes, ("day", "slot")),
    ]
    for model, rows, key_names in tables:
        values = [
            {"shop_id": shop_id, **dict(zip(key_names, key, strict=True)), **figures.values()}
            for key, figures in rows.items()
        ]
        if values:
            await session.exec(insert(_table(model)), params=values)


async def _add(
    session: AsyncSession,
    model: type[SQLModel],
    shop_id: int,
    key_names: tuple[str, ...],
    rows: Mapping[Any, Additive],
) -> None:
    """Add each row's figures to its key's, in one round trip. Keys go in sorted order, so two
    transactions adding to the same rows take their row locks in the same order (no deadlock)."""
    if not rows:
        return
    params = [
        {"shop_id": shop_id, **dict(zip(key_names, key, strict=True)), **rows[key].values()}
        for key in sorted(rows)
    ]
    figures = tuple(next(iter(rows.values())).values())
    statement = _upsert(session.get_bind().dialect.name, model, ("shop_id", *key_names), figures)
    await session.exec(statement, params=params)


def _upsert(
    dialect: str, model: type[SQLModel], keys: tuple[str, ...], figures: tuple[str, ...]
) -> Any:
    """`INSERT … ON CONFLICT (keys) DO UPDATE SET x = x + excluded.x`, built once per shape."""

    def build() -> Any:
        table = _table(model)
        insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert_(table)
        return statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: table.c[name] + statement.excluded[name] for name in figures},
        )

    return cached_statement(("add", dialect, model, keys, figures), build)


async def sales_by_day(
    session: AsyncSession, shop_id: int, start: date, end: date
) -> dict[date, SalesFigures]:
    """Each day's sales figures in [start, end] (days without any are absent)."""
    rows = await _summed(
        session, SalesDay, SalesFigures, shop_id, ["day"], _days(SalesDay, start, end)
    )
    return {key[0]: figures for key, figures in rows}


async def customer_net_sales_by_day(
    session: AsyncSession, shop_id: int, end: date
) -> dict[date, Decimal]:
    """Each day's known customers' sales less their returns, up to `end` (lifetime value: only
    these two of the sales figures, summed in the database)."""
    c = _table(SalesDay).c
    net = (func.sum(c.customer_sales) - func.sum(c.customer_returns)).cast(Money())
    statement = sa_select(c.day, net).where(c.shop_id == shop_id, c.day <= end).group_by(c.day)
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    return {_as_date(day): value for day, value in rows}


async def checkouts_by_day(
    session: AsyncSession, shop_id: int, start: date, end: date
) -> dict[date, CheckoutFigures]:
    where = _days(CheckoutDay, start, end)
    rows = await _summed(session, CheckoutDay, CheckoutFigures, shop_id, ["day"], where)
    return {key[0]: figures for key, figures in rows}


async def outcomes_by_day(
    session: AsyncSession, shop_id: int, start: date, end: date
) -> dict[date, OutcomeFigures]:
    where = _days(OutcomeDay, start, end)
    rows = await _summed(session, OutcomeDay, OutcomeFigures, shop_id, ["day"], where)
    return {key[0]: figures for key, figures in rows}


async def customers_by_day(
    session: AsyncSession, shop_id: int, start: date, end: date
) -> list[tuple[CustomerKey, CustomerFigures]]:
    """The (day, previous day) rows of [start, end]: at most days × horizon, whatever the orders."""
    where = _days(CustomerDay, start, end)
    rows = await _summed(session, CustomerDay, CustomerFigures, shop_id, ["day", "previous"], where)
    return [((key[0], key[1]), figures) for key, figures in rows]


async def customer_counts(
    session: AsyncSession, shop_id: int, first: date, last: date
) -> CustomerCounts:
    """`CustomerCounts` of [first, last], by the cheaper of two exact ways.

    Direct: the (day, previous day) rows of the range — rows ∝ days × distinct previous days.
    Prefix: for a range reaching (nearly) the present, with p an order's previous day and d its
    day, `#{first ≤ d ≤ last, p < first}` = `#{p < first} − #{d < first} − #{d > last,
    p < first}` (p ≤ d): two sums over per-day and per-previous-day rows (∝ days of history)
    less the (day, previous day) rows after the range, which are few near the present."""
    newest = await newest_customer_day(session, shop_id)
    return await customer_counts_given(session, shop_id, first, last, newest)


async def customer_counts_given(
    session: AsyncSession, shop_id: int, first: date, last: date, newest: date | None
) -> CustomerCounts:
    """`customer_counts` with the shop's newest customer day already read (`newest_customer_day`;
    a scorecard reads it once for all its ranges)."""
    if newest is None:
        return CustomerCounts()
    after = max(0, (newest - last).days)
    within = (last - first).days + 1
    # Past the horizon a previous day is filed as LONG_AGO: exact only when it is before `first`.
    if after < within and (newest - first).days < HORIZON_DAYS:
        return await _counts_from_prefixes(session, shop_id, first, last, after > 0)
    return await _counts_direct(session, shop_id, first, last)


async def newest_customer_day(session: AsyncSession, shop_id: int) -> date | None:
    c = _table(CustomerDayTotals).c
    statement = sa_select(func.max(c.day)).where(c.shop_id == shop_id)
    newest = (await session.exec(statement)).one()  # type: ignore[call-overload]
    return None if newest[0] is None else _as_date(newest[0])


async def _counts_direct(
    session: AsyncSession, shop_id: int, first: date, last: date
) -> CustomerCounts:
    c = _table(CustomerDay).c
    statement = sa_select(*_counts(c, first)).where(
        c.shop_id == shop_id, c.day >= first, c.day <= last
    )
    row = (await session.exec(statement)).one()  # type: ignore[call-overload]
    return CustomerCounts(*(int(value) for value in row))


async def _counts_from_prefixes(
    session: AsyncSession, shop_id: int, first: date, last: date, orders_after: bool
) -> CustomerCounts:
    d = _table(CustomerDayTotals).c
    inside = (d.day >= first) & (d.day <= last)
    by_day = sa_select(
        func.coalesce(func.sum(d.firsts), 0),  # every customer's first order, ever
        _sum_when(d.day < first, d.orders),
        _sum_when(d.day < first, d.firsts),
        _sum_when(inside, d.firsts),
        _sum_when(inside, d.repeaters),
    ).where(d.shop_id == shop_id)
    all_firsts, orders_before, firsts_before, new, repeaters = await _one(session, by_day)
    p = _table(CustomerPreviousTotals).c
    by_previous = sa_select(
        _sum_when(p.previous < first, p.orders), _sum_when(p.previous >= first, p.seconds)
    ).where(p.shop_id == shop_id)
    followed_before, seconds_since = await _one(session, by_previous)
    late_customers = late_returning = late_seconds = 0
    if orders_after:  # orders after the range whose previous order is before it
        c = _table(CustomerDay).c
        before = c.previous < first
        late = sa_select(
            _sum_when(before, c.orders),
            _sum_when(before & (c.previous != FIRST), c.orders),
            _sum_when(~before, c.seconds),
        ).where(c.shop_id == shop_id, c.day > last)
        late_customers, late_returning, late_seconds = await _one(session, late)
    customers = all_firsts + followed_before - orders_before - late_customers
    returning = (
        followed_before - (orders_before - firsts_before) - late_returning
        + seconds_since - late_seconds
    )  # fmt: skip
    return CustomerCounts(customers, new, returning, repeaters)


async def _one(session: AsyncSession, statement: Any) -> list[int]:
    row = (await session.exec(statement)).one()
    return [int(value) for value in row]


async def customer_counts_by_day(
    session: AsyncSession, shop_id: int, first: date, last: date
) -> dict[date, CustomerCounts]:
    """Single days from the per-day rows alone: a day's first order of a customer is any order
    whose previous order was on an earlier day."""
    rows = await _summed(
        session, CustomerDayTotals, CustomerDayFigures, shop_id, ["day"],
        _days(CustomerDayTotals, first, last),
    )  # fmt: skip
    return {
        key[0]: CustomerCounts(
            customers=f.orders - f.same_day,
            new=f.firsts,
            returning=f.orders - f.firsts - f.same_day + f.same_day_seconds,
            repeaters=f.repeaters,
        )
        for key, f in rows
    }


async def customer_counts_by_period(
    session: AsyncSession, shop_id: int, first: date, last: date, granularity: Granularity
) -> dict[date, CustomerCounts]:
    """The counts of each period of [first, last], one query: a period's first order of a
    customer is the one whose previous day is before the period (clipped to the range)."""
    c = _table(CustomerDay).c
    period = sql_period_start(c.day, granularity, session.get_bind().dialect.name)
    begins = case((period < first, first), else_=period)
    statement = (
        sa_select(period, *_counts(c, begins))
        .where(c.shop_id == shop_id, c.day >= first, c.day <= last)
        .group_by(period)
    )
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    return {_as_date(row[0]): CustomerCounts(*(int(value) for value in row[1:])) for row in rows}


def _counts(c: Any, begins: Any) -> list[Any]:
    """customers, new, returning, repeaters (see `customers.CustomerCounts`)."""
    before = c.previous < begins  # the customer's first order in the period
    return [
        _sum_when(before, c.orders),
        _sum_when(c.previous == FIRST, c.firsts),
        _sum_when(before & (c.previous != FIRST), c.orders) + _sum_when(~before, c.seconds),
        _sum_when(c.previous == FIRST, c.repeaters),
    ]


def _as_date(value: Any) -> date:
    """SQLite's date() returns text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _sum_when(condition: ColumnElement[bool], column: Any) -> Any:
    return func.coalesce(func.sum(case((condition, column), else_=0)), 0)


async def customer_day_totals(
    session: AsyncSession, shop_id: int, start: date, end: date
) -> dict[date, CustomerDayFigures]:
    rows = await _summed(
        session, CustomerDayTotals, CustomerDayFigures, shop_id, ["day"],
        _days(CustomerDayTotals, start, end),
    )  # fmt: skip
    return {key[0]: figures for key, figures in rows}


async def customer_previous_totals(
    session: AsyncSession, shop_id: int
) -> dict[date, PreviousDayFigures]:
    rows = await _summed(
        session, CustomerPreviousTotals, PreviousDayFigures, shop_id, ["previous"], []
    )
    return {key[0]: figures for key, figures in rows}


async def new_customers_by_day(
    session: AsyncSession, shop_id: int, start: date, end: date
) -> dict[date, int]:
    d = _table(CustomerDayTotals).c
    statement = (
        sa_select(d.day, func.sum(d.firsts))
        .where(d.shop_id == shop_id, *_days(CustomerDayTotals, start, end))
        .group_by(d.day)
    )
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    return {_as_date(day): int(firsts) for day, firsts in rows}


async def _summed(
    session: AsyncSession,
    model: type[SQLModel],
    figures_type: type[F],
    shop_id: int,
    group_by: Sequence[str],
    where: Sequence[ColumnElement[bool]],
) -> list[tuple[tuple[Any, ...], F]]:
    table = _table(model)
    names = list(figures_type().values())
    sums = [_sum(table.c[name]) for name in names]
    keys = [table.c[name] for name in group_by]
    statement = sa_select(*keys, *sums).where(table.c.shop_id == shop_id, *where).group_by(*keys)
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    width = len(keys)
    convert = [
        Decimal if isinstance(zero, Decimal) else int for zero in figures_type().values().values()
    ]
    return [
        (
            tuple(row[:width]),
            figures_type.of(c(v) for c, v in zip(convert, row[width:], strict=True)),
        )
        for row in rows
    ]


def _sum(column: Any) -> Any:
    total = func.sum(column)
    # Money sums keep their exact type on both databases (SQLite stores millionths).
    return total.cast(Money()) if isinstance(column.type, Money) else total


def _days(model: type[SQLModel], start: date, end: date) -> list[ColumnElement[bool]]:
    c = _table(model).c
    return [c.day >= start, c.day <= end]


def _table(model: type[SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


async def lock_customers(session: AsyncSession, shop_id: int, customer_keys: Iterable[str]) -> None:
    await lock(session, (f"customer:{shop_id}:{key}" for key in customer_keys))
