"""The key-result page (#9): the key result's live status, its history drawn as SVG on the
server, check-ins (a form that posts with htmx, or plainly without JavaScript) and how the value
is measured. Check-ins go through the API's own function, so the page and the API cannot
disagree about what a valid check-in is or what it records."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin import formats
from app.admin.i18n import translated
from app.admin.initiatives.experiment_results import lift_sentence
from app.admin.key_result.chart import key_result_chart
from app.admin.key_result.check_in_form import CheckInForm, read_check_in
from app.admin.rendering import render
from app.admin.signed_out import signed_out_page
from app.auth.dependencies import MaybeShopDep, ShopDep
from app.auth.signed_out import SignedOut
from app.db import utcnow
from app.deps import LARGEST_ROW_ID, SessionDep
from app.digest.alerts.records import SHOWN_FOR, Drop, recent_drops
from app.errors import Conflict, NotFound, Unprocessable
from app.initiatives.experiments.service import reports_for_key_result
from app.initiatives.repository import linked_to_key_result
from app.metrics.catalogue import BY_KEY, Metric
from app.metrics.figures import local_day
from app.okr import endpoints as okr_api
from app.okr.evaluation import KRStatus, evaluate_key_result
from app.okr.key_results import get_key_result, history
from app.okr.models import CheckIn, Cycle, CycleStatus, KeyResult, Objective, Source
from app.okr.scorecard import frozen_status
from app.okr.scoring import Bands, KRType
from app.okr.service import bands_for, get_cycle, get_objective, today_for
from app.shops.models import SignedInShop

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class CheckInRow:
    day: date  # shop-local
    value: Decimal | None
    score: float | None
    confidence: int | None
    comment: str
    author: str


@dataclass(frozen=True)
class KeyResultPage:
    key_result: KeyResult
    objective: Objective
    cycle: Cycle
    status: KRStatus
    chart: Markup | None  # None for a milestone: done or not, there is no curve
    check_ins: list[CheckInRow]  # newest first; the daily snapshots are in the chart only
    metric: Metric[Any] | None
    bands: Bands  # the shop's, for the sentence that explains the status
    drop: Drop | None = None  # its status dropped this past week (as the dashboard says)
    drop_day: date | None = None  # the shop-local day of that drop

    @property
    def is_open(self) -> bool:
        return self.cycle.status is CycleStatus.OPEN

    @property
    def takes_value(self) -> bool:
        """A metric key result's value comes from the store, never from the form."""
        return self.key_result.source is Source.MANUAL

    @property
    def expected_by_now(self) -> Decimal | None:
        """Where the value should be today (for a bound, `expected` is the bound itself)."""
        moving = self.key_result.kr_type in (KRType.INCREASE_TO, KRType.DECREASE_TO)
        return self.status.expected if moving else None

    @property
    def chance(self) -> str | None:
        """The forecast's probability of reaching the target, as a percentage."""
        probability = self.status.forecast.probability
        return None if probability is None else formats.chance(probability)


@router.get("/admin/key-results/{key_result_id}", response_class=HTMLResponse)
async def key_result_page(
    request: Request, key_result_id: int, shop: MaybeShopDep, session: SessionDep
) -> HTMLResponse:
    if shop is None:
        return signed_out_page(request, SignedOut.NO_SESSION)
    kr = await _owned(session, shop, key_result_id)
    if kr is None:
        return _not_found(request, shop)
    return await _page(request, session, shop, kr, CheckInForm.blank(kr))


@router.get("/admin/key-results/{key_result_id}/live", response_class=HTMLResponse)
async def key_result_live(
    request: Request, key_result_id: int, shop: ShopDep, session: SessionDep
) -> HTMLResponse:
    """The status and chart alone: htmx swaps them in when the stream says key results moved."""
    kr = await _owned(session, shop, key_result_id)
    if kr is None:
        return _not_found(request, shop)
    page = await load_page(session, shop, kr)
    return render(request, "_key_result_live.html", {"shop": shop, "page": page})


@router.post("/admin/key-results/{key_result_id}/check-ins", response_class=HTMLResponse)
async def post_check_in(
    request: Request, key_result_id: int, shop: ShopDep, session: SessionDep
) -> Response:
    """htmx gets the page's live part back (saved, or the form with its errors); a plain form
    is redirected to the page after a save (so reloading does not post again)."""
    kr = await _owned(session, shop, key_result_id)
    if kr is None:
        return _not_found(request, shop)
    form = CheckInForm.typed(await request.form())
    status_code = await _save(session, shop, kr, form)
    fragment = request.headers.get("HX-Request") == "true"
    if status_code == 200:
        if not fragment:
            return RedirectResponse(f"/admin/key-results/{kr.id}#check-ins", status_code=303)
        form = CheckInForm.blank(kr, saved=True)
    return await _page(request, session, shop, kr, form, status_code, fragment)


async def _save(session: AsyncSession, shop: SignedInShop, kr: KeyResult, form: CheckInForm) -> int:
    """The status code of the answer; on a refusal nothing was stored and `form` says why."""
    body = read_check_in(form)
    if body is None:
        return 422
    try:
        await okr_api.check_in(kr.id or 0, body, shop, session)
    except Unprocessable as error:
        fields = error.details.get("fields", {})
        form.errors.update({name: translated(why) for name, why in fields.items()})
        return 422
    except Conflict as error:  # the cycle was closed meanwhile
        form.errors["form"] = translated(error.message)
        return 409
    return 200


async def _owned(session: AsyncSession, shop: SignedInShop, key_result_id: int) -> KeyResult | None:
    if not 0 < key_result_id <= LARGEST_ROW_ID:
        return None
    try:
        return await get_key_result(session, shop.id, key_result_id)
    except NotFound:  # unknown, or another shop's: the same answer for both
        return None


def _not_found(request: Request, shop: SignedInShop) -> HTMLResponse:
    return render(request, "not_found.html", {"shop": shop}, status_code=404)


async def _page(
    request: Request, session: AsyncSession, shop: SignedInShop, kr: KeyResult, form: CheckInForm,
    status_code: int = 200, fragment: bool = False,
) -> HTMLResponse:  # fmt: skip
    page = await load_page(session, shop, kr)
    if not page.takes_value and "value" in form.errors:  # no value field to show it beside
        form.errors["form"] = form.errors.pop("value")
    template = "_key_result_body.html" if fragment else "key_result.html"
    context = {"shop": shop, "page": page, "form": form, "section": "dashboard"}
    if not fragment:  # the initiatives meant to move it
        context["initiatives"] = await linked_to_key_result(session, shop.id, kr.id or 0)
        lifts = await reports_for_key_result(session, shop.id, kr.id or 0, utcnow())
        context["lifts"] = [(i, lift_sentence(lift, shop.currency)) for i, lift in lifts]
    return render(request, template, context, status_code=status_code)


async def load_page(session: AsyncSession, shop: SignedInShop, kr: KeyResult) -> KeyResultPage:
    shop_id, today = shop.id, today_for(shop)
    objective = await get_objective(session, shop_id, kr.objective_id)
    cycle = await get_cycle(session, shop_id, objective.cycle_id)
    bands = await bands_for(session, shop_id)
    status = await evaluate_key_result(session, shop_id, kr, cycle, today, bands)
    if cycle.status is CycleStatus.CLOSED:  # frozen at close, as on the dashboard
        status = frozen_status(status, kr, bands)
    entries = await history(session, kr)
    chart = None
    if kr.kr_type is not KRType.MILESTONE:
        chart = key_result_chart(kr, cycle, status, entries, shop, today)
    rows = [_row(e, shop.timezone) for e in reversed(entries) if e.snapshot_day is None]
    metric = BY_KEY.get(kr.metric_key or "") if kr.source is Source.METRIC else None
    page = KeyResultPage(kr, objective, cycle, status, chart, rows, metric, bands)
    if cycle.status is CycleStatus.OPEN:  # a closed cycle's statuses are frozen, not watched
        page = await _with_drop(session, shop, page)
    return page


async def _with_drop(
    session: AsyncSession, shop: SignedInShop, page: KeyResultPage
) -> KeyResultPage:
    """The page with the key result's drop of the past week, if it had one (the dashboard's
    seven days, noted by the alerts' check)."""
    kr_id = page.key_result.id or 0
    drops = await recent_drops(session, shop.id, utcnow() - SHOWN_FOR, kr_id)
    if not drops or drops[0].at is None:
        return page
    return replace(page, drop=drops[0], drop_day=local_day(drops[0].at, shop.timezone))


def _row(entry: CheckIn, timezone: str) -> CheckInRow:
    return CheckInRow(
        day=local_day(entry.at, timezone),
        value=entry.value,
        score=entry.score,
        confidence=entry.confidence,
        comment=entry.comment,
        author=entry.author,
    )
