"""The shop's OKRs as CSV: every key result with its live (or, once closed, final) status, and
every manual check-in. Numbers are plain decimals ("1234.5", "-0.25") for spreadsheets and
scripts alike; text that merchants typed cannot run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics.catalogue import BY_KEY, Unit
from app.metrics.precision import places_of, rounded
from app.okr.models import CheckIn, Cycle, KeyResult, Objective
from app.okr.scorecard import KRView, ObjectiveView, scorecard
from app.okr.service import today_for
from app.shops.models import SignedInShop

KEY_RESULT_COLUMNS = (
    "cycle", "objective", "key_result", "metric", "unit", "type", "start", "target", "value",
    "score", "band", "status", "pace", "forecast",
)  # fmt: skip
CHECK_IN_COLUMNS = (
    "cycle", "objective", "key_result", "day", "at", "value", "confidence", "comment", "author",
)  # fmt: skip

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = list[str]


def text(value: str) -> str:
    """Merchant-typed text, defused: a leading apostrophe makes a spreadsheet show it as is."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def decimal(value: Decimal | None) -> str:
    """A plain decimal with no exponent and no trailing zeros; empty for no value."""
    if value is None:
        return ""
    plain = format(value.normalize(), "f")
    return "0" if plain == "-0" else plain


def measured(value: Decimal | None, kr: KeyResult) -> str:
    """A key result's value to the places the pages give it (`app.metrics.precision`): a rate
    of 15.1 % is 0.151 here too, not a division's 28 decimals."""
    return "" if value is None else decimal(rounded(value, places_of(kr.metric_key)))


def fraction(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def to_csv(columns: Sequence[str], rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


async def key_result_rows(session: AsyncSession, shop: SignedInShop) -> list[Row]:
    """Every cycle's key results, objectives in scorecard order (aligned ones after their
    parent), with what the dashboard shows for them today."""
    rows: list[Row] = []
    today = today_for(shop)
    for cycle in await _cycles(session, shop):
        card = await scorecard(session, shop.id, cycle, today)
        for view in _depth_first(card.objectives):
            rows.extend(_key_result_row(shop, cycle, view, kr) for kr in view.key_results)
    return rows


def _key_result_row(shop: SignedInShop, cycle: Cycle, view: ObjectiveView, kr_view: KRView) -> Row:
    kr, status = kr_view.key_result, kr_view.status
    return [
        text(cycle.name),
        text(view.objective.title),
        text(kr.title),
        kr.metric_key or "manual",
        _unit(kr, shop),
        kr.kr_type.value,
        measured(status.start, kr),
        measured(status.target, kr),
        measured(status.value, kr),
        fraction(status.score),
        status.band.value if status.band else "",
        status.health.value if status.health else "",
        status.pace.value if status.pace else "",
        measured(status.forecast.value, kr),
    ]


def _unit(kr: KeyResult, shop: SignedInShop) -> str:
    """What the numbers count: the shop's currency for money, else the metric's unit, or the
    unit a manual key result was given."""
    if kr.metric_key is None or kr.metric_key not in BY_KEY:
        return text(kr.unit)
    unit = BY_KEY[kr.metric_key].unit
    return shop.currency if unit is Unit.MONEY else unit.value


def _depth_first(views: list[ObjectiveView]) -> Iterator[ObjectiveView]:
    for view in views:
        yield view
        yield from _depth_first(view.children)


async def _cycles(session: AsyncSession, shop: SignedInShop) -> list[Cycle]:
    statement = (
        select(Cycle).where(Cycle.shop_id == shop.id).order_by(col(Cycle.start), col(Cycle.id))
    )
    return list((await session.exec(statement)).all())


async def check_in_rows(session: AsyncSession, shop: SignedInShop) -> list[Row]:
    """Every check-in a person made (not the daily snapshots of metric key results), on the
    shop-local day the page and chart put it on, its time with the shop's UTC offset."""
    zone = ZoneInfo(shop.timezone)
    statement = (
        select(CheckIn, KeyResult, Objective, Cycle)
        .join(KeyResult, col(KeyResult.id) == CheckIn.key_result_id)
        .join(Objective, col(Objective.id) == KeyResult.objective_id)
        .join(Cycle, col(Cycle.id) == Objective.cycle_id)
        .where(CheckIn.shop_id == shop.id, col(CheckIn.snapshot_day).is_(None))
        .order_by(col(Cycle.start), col(CheckIn.at), col(CheckIn.id))
    )
    return [
        _check_in_row(entry, kr, objective, cycle, zone)
        for entry, kr, objective, cycle in (await session.exec(statement)).all()
    ]


def _check_in_row(
    entry: CheckIn, kr: KeyResult, objective: Objective, cycle: Cycle, zone: ZoneInfo
) -> Row:
    local = entry.at.astimezone(zone)
    return [
        text(cycle.name),
        text(objective.title),
        text(kr.title),
        local.date().isoformat(),
        local.isoformat(),
        decimal(entry.value),
        "" if entry.confidence is None else str(entry.confidence),
        text(entry.comment),
        text(entry.author),
    ]
