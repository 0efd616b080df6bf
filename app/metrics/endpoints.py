from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from annotated_types import Ge, Le
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.auth.dependencies import ShopDep
from app.deps import SessionDep
from app.metrics import service
from app.metrics.catalogue import METRICS, Better, Unit
from app.metrics.periods import Granularity

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])


class MetricInfo(BaseModel):
    key: str
    name: str
    unit: Unit
    better: Better
    definition: str


class Point(BaseModel):
    period_start: date
    value: Decimal | None


class MetricResult(BaseModel):
    metric: str
    unit: Unit
    currency: str
    from_: date = Field(serialization_alias="from")
    to: date
    value: Decimal | None
    series: list[Point]


@router.get("")
async def catalogue(shop: ShopDep) -> list[MetricInfo]:
    """Every metric with its exact definition (the same words as METRICS.md)."""
    return [
        MetricInfo(key=m.key, name=m.name, unit=m.unit, better=m.better, definition=m.definition)
        for m in METRICS
    ]


# A day within the calendar metrics answer for (a far one would overflow a week or a month).
MetricDay = Annotated[date, Ge(service.FIRST_DAY), Le(service.LAST_DAY)]


@router.get("/{key}", response_model_by_alias=True)
async def metric(
    key: str,
    shop: ShopDep,
    session: SessionDep,
    start: Annotated[
        MetricDay, Query(alias="from", description="First day, shop-local (YYYY-MM-DD).")
    ],
    end: Annotated[MetricDay, Query(alias="to", description="Last day, inclusive.")],
    granularity: Granularity = Granularity.DAY,
) -> MetricResult:
    """A metric's value over the range, and its series by day, week or month; money as decimal
    strings in the shop's currency."""
    result = await service.evaluate(session, shop.id, key, start, end, granularity)
    return MetricResult(
        metric=key,
        unit=result.metric.unit,
        currency=shop.currency,
        from_=start,
        to=end,
        value=result.value,
        series=[Point(period_start=d, value=v) for d, v in result.series],
    )
