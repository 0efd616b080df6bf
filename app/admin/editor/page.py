"""The OKR editor's page: a cycle's objectives and key results, each with its forms, the
templates to add in one click, and the metric picker's help."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin import labels
from app.admin.editor import amounts, proposals
from app.admin.editor.forms import FormState
from app.admin.editor.survey_link import survey_link
from app.admin.rendering import render
from app.auth.dependencies import ShopDep
from app.deps import RowIdQuery, SessionDep
from app.errors import NotFound
from app.metrics.catalogue import BY_KEY, METRICS
from app.metrics.service import MAX_RANGE_DAYS
from app.okr import okr_templates, service
from app.okr.baselines import days_of, start_for
from app.okr.evaluation import metric_value
from app.okr.models import Cycle, CycleStatus, KeyResult, Objective
from app.okr.template_fill import Suggestion
from app.shops.models import SignedInShop

router = APIRouter()


@dataclass(frozen=True)
class ObjectiveRow:
    objective: Objective
    key_results: list[KeyResult]


@router.get("/admin/okrs", response_class=HTMLResponse)
async def editor(
    request: Request, shop: ShopDep, session: SessionDep, cycle: int | None = None
) -> HTMLResponse:
    """The editor for the chosen cycle (else the open one containing today, else the latest)."""
    return await editor_page(request, session, shop, cycle)


async def editor_page(
    request: Request,
    session: AsyncSession,
    shop: SignedInShop,
    cycle_id: int | None,
    failed: FormState | None = None,
    status_code: int = 422,
) -> HTMLResponse:
    """The page; with `failed`, the refused form as typed and why (answered `status_code`)."""
    cycles = await _cycles(session, shop)
    chosen = _choose(cycles, cycle_id, service.today_for(shop))
    context: dict[str, object] = {
        "shop": shop,
        "section": "editor",
        "cycles": cycles,
        "cycle": chosen,
        "failed": failed,
        "metric_options": [(metric.key, labels.metric_name(metric.key)) for metric in METRICS],
        "parents": parent_choices,
        "this_year": service.today_for(shop).year,
        "amounts": amounts,
        **proposals.WORDS,
        "survey": await survey_link(session, shop.id),  # for the NPS template's key result
    }
    if chosen is None:
        context["guided"] = await guided_start(session, shop)
    else:
        context.update(await _cycle_context(session, shop, chosen))
    status = status_code if failed is not None else 200
    return render(request, "editor/editor.html", context, status_code=status)


def parent_choices(rows: list[ObjectiveRow], objective: Objective | None) -> list[tuple[int, str]]:
    """The objectives another one can align to (not itself)."""
    return [
        (row.objective.id or 0, row.objective.title)
        for row in rows
        if objective is None or row.objective.id != objective.id
    ]


async def guided_start(
    session: AsyncSession, shop: SignedInShop
) -> list[tuple[okr_templates.OkrTemplate, list[Suggestion]]]:
    """The templates as they would fill this year's cycle from the shop's history."""
    name, start, end = service.yearly(service.today_for(shop).year)
    this_year = Cycle(shop_id=shop.id, name=name, start=start, end=end)  # not stored
    return await _suggestions(session, shop, this_year)


async def _suggestions(
    session: AsyncSession, shop: SignedInShop, cycle: Cycle
) -> list[tuple[okr_templates.OkrTemplate, list[Suggestion]]]:
    today = service.today_for(shop)
    return [
        (template, await okr_templates.suggest(session, shop.id, cycle, template, today))
        for template in okr_templates.OKR_TEMPLATES
    ]


async def has_cycles(session: AsyncSession, shop: SignedInShop) -> bool:
    statement = select(Cycle.id).where(Cycle.shop_id == shop.id).limit(1)
    return (await session.exec(statement)).first() is not None


async def _cycles(session: AsyncSession, shop: SignedInShop) -> list[Cycle]:
    statement = select(Cycle).where(Cycle.shop_id == shop.id).order_by(col(Cycle.start).desc())
    return list((await session.exec(statement)).all())


def _choose(cycles: list[Cycle], cycle_id: int | None, today: date) -> Cycle | None:
    if cycle_id is not None:
        chosen = next((cycle for cycle in cycles if cycle.id == cycle_id), None)
        if chosen is None:
            raise NotFound(f"no cycle {cycle_id}")
        return chosen
    current = [c for c in cycles if c.status is CycleStatus.OPEN and c.start <= today <= c.end]
    return next(iter(current or cycles), None)


async def _cycle_context(
    session: AsyncSession, shop: SignedInShop, cycle: Cycle
) -> dict[str, object]:
    objectives = await service.objectives_of(session, cycle)
    key_results = await service.key_results_of(session, [o.id or 0 for o in objectives])
    rows = [
        ObjectiveRow(o, [kr for kr in key_results if kr.objective_id == o.id]) for o in objectives
    ]
    return {
        "rows": rows,
        "warnings": await service.warnings_for(session, cycle),
        "suggestions": await _suggestions(session, shop, cycle),
        "is_open": cycle.status is CycleStatus.OPEN,
    }


@dataclass(frozen=True)
class MetricHelp:
    key: str
    name: str
    definition: str
    current: Decimal | None  # the metric over the cycle so far
    suggested_start: Decimal | None  # what a start left empty would be
    basis: str | None  # which history it comes from (`baselines.StartBasis`)


@router.get("/admin/okrs/metric-help", response_class=HTMLResponse)
async def metric_help(
    request: Request, shop: ShopDep, session: SessionDep, cycle: RowIdQuery, metric_key: str = ""
) -> HTMLResponse:
    """What the chosen metric means, where it stands and the start value it would get."""
    chosen = await service.get_cycle(session, shop.id, cycle)
    help_ = await help_for(session, shop, chosen, metric_key) if metric_key in BY_KEY else None
    context = {"shop": shop, "help": help_, "amounts": amounts,
               "basis_words": proposals.basis_words}  # fmt: skip
    return render(request, "editor/_metric_help.html", context)


async def help_for(session: AsyncSession, shop: SignedInShop, cycle: Cycle, key: str) -> MetricHelp:
    today = service.today_for(shop)
    current = start = basis = None
    window = (cycle.start, cycle.end)
    if days_of(window) <= MAX_RANGE_DAYS:  # a cycle stored before cycles were bounded is not
        if today >= cycle.start:
            current, _ = await metric_value(
                session, shop.id, key, (cycle.start, min(today, cycle.end))
            )
        if baseline := await start_for(session, shop.id, key, window, today):
            start, basis = baseline.value, baseline.basis
    name, definition = labels.metric_name(key), labels.metric_definition(key)
    return MetricHelp(key, name, definition, current, start, basis)
