"""The OKR API: cycles, objectives, key results with their live status, check-ins, history."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlmodel import select

from app.auth.dependencies import ShopDep
from app.deps import RowId, RowIdQuery, SessionDep
from app.okr import key_results as krs
from app.okr import live as _live  # noqa: F401  (registers the live key-result follow-up)
from app.okr import okr_templates, service
from app.okr.closing import carry_over, close_cycle
from app.okr.evaluation import KRStatus, evaluate_key_result
from app.okr.models import Cycle, KeyResult, Objective, OkrSettings
from app.okr.schemas import (
    ApplyTemplatesIn,
    BandsIn,
    BandsOut,
    CarryIn,
    CheckInIn,
    CheckInOut,
    CloseIn,
    CycleIn,
    CycleOut,
    KeyResultIn,
    KeyResultOut,
    KeyResultPatch,
    ObjectiveIn,
    ObjectiveOut,
    ObjectivePatch,
    ScorecardOut,
    TemplateOut,
)
from app.okr.scorecard import scorecard
from app.okr.views import (
    check_in_out,
    cycle_out,
    key_result_out,
    objective_out,
    scorecard_out,
    template_out,
)
from app.shops.models import SignedInShop

router = APIRouter(prefix="/api/v1", tags=["okrs"])


@router.get("/cycles")
async def list_cycles(shop: ShopDep, session: SessionDep) -> list[CycleOut]:
    statement = select(Cycle).where(Cycle.shop_id == shop.id).order_by(Cycle.start)  # type: ignore[arg-type]
    return [cycle_out(cycle) for cycle in (await session.exec(statement)).all()]


@router.post("/cycles", status_code=status.HTTP_201_CREATED)
async def create_cycle(body: CycleIn, shop: ShopDep, session: SessionDep) -> CycleOut:
    """A cycle: a calendar year (the default, its quarters listed with it) or named dates."""
    if body.year is not None:
        name, start, end = service.yearly(body.year)
    elif body.name and body.start and body.end:
        name, start, end = body.name, body.start, body.end
    else:
        raise service.invalid({"year": "give a year, or a name, start and end"})
    return cycle_out(await service.create_cycle(session, shop.id, name, start, end))


@router.get("/cycles/{cycle_id}")
async def get_cycle(cycle_id: RowId, shop: ShopDep, session: SessionDep) -> CycleOut:
    return cycle_out(await service.get_cycle(session, shop.id, cycle_id))


@router.get("/cycles/{cycle_id}/scorecard", response_model_by_alias=True)
async def get_scorecard(cycle_id: RowId, shop: ShopDep, session: SessionDep) -> ScorecardOut:
    """Every objective with its score and band, key results with value, pace and forecast;
    aligned objectives nested under their parent."""
    cycle = await service.get_cycle(session, shop.id, cycle_id)
    return scorecard_out(await scorecard(session, shop.id, cycle, service.today_for(shop)))


@router.post("/cycles/{cycle_id}/close")
async def close(cycle_id: RowId, body: CloseIn, shop: ShopDep, session: SessionDep) -> CycleOut:
    """Freeze the final scores, with a short retrospective per objective."""
    cycle = await service.get_cycle(session, shop.id, cycle_id)
    await close_cycle(session, shop.id, cycle, body.retrospectives, service.today_for(shop))
    return cycle_out(cycle)


@router.post("/cycles/{cycle_id}/carry-over", status_code=status.HTTP_201_CREATED)
async def carry(
    cycle_id: RowId, body: CarryIn, shop: ShopDep, session: SessionDep
) -> list[ObjectiveOut]:
    """Copy unfinished objectives (with their key results) into another cycle."""
    copies = await carry_over(
        session,
        shop.id,
        cycle_id,
        body.to_cycle_id,
        body.objective_ids,
        service.today_for(shop),
    )
    return [objective_out(o) for o in copies]


@router.get("/objectives")
async def list_objectives(
    cycle_id: RowIdQuery, shop: ShopDep, session: SessionDep
) -> list[ObjectiveOut]:
    cycle = await service.get_cycle(session, shop.id, cycle_id)
    return [objective_out(o) for o in await service.objectives_of(session, cycle)]


@router.post("/objectives", status_code=status.HTTP_201_CREATED)
async def create_objective(body: ObjectiveIn, shop: ShopDep, session: SessionDep) -> ObjectiveOut:
    """An objective; more than five at company level is allowed, with a warning."""
    objective = Objective(shop_id=shop.id, **body.model_dump())
    await service.get_cycle(session, shop.id, body.cycle_id)
    warnings = await service.save_objective(session, shop.id, objective, {})
    return objective_out(objective, warnings)


@router.get("/objectives/{objective_id}")
async def get_objective(objective_id: RowId, shop: ShopDep, session: SessionDep) -> ObjectiveOut:
    return objective_out(await service.get_objective(session, shop.id, objective_id))


@router.patch("/objectives/{objective_id}")
async def update_objective(
    objective_id: RowId, body: ObjectivePatch, shop: ShopDep, session: SessionDep
) -> ObjectiveOut:
    objective = await service.get_objective(session, shop.id, objective_id)
    changes = body.model_dump(exclude_unset=True)
    warnings = await service.save_objective(session, shop.id, objective, changes)
    return objective_out(objective, warnings)


@router.delete("/objectives/{objective_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_objective(objective_id: RowId, shop: ShopDep, session: SessionDep) -> Response:
    objective = await service.get_objective(session, shop.id, objective_id)
    service.check_open(await service.get_cycle(session, shop.id, objective.cycle_id))
    await session.delete(objective)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/key-results", response_model_by_alias=True)
async def list_key_results(
    objective_id: RowIdQuery, shop: ShopDep, session: SessionDep
) -> list[KeyResultOut]:
    objective = await service.get_objective(session, shop.id, objective_id)
    return [
        await _with_status(session, shop, kr)
        for kr in await service.key_results_of(session, [objective.id or 0])
    ]


@router.post("/key-results", status_code=status.HTTP_201_CREATED, response_model_by_alias=True)
async def create_key_result(body: KeyResultIn, shop: ShopDep, session: SessionDep) -> KeyResultOut:
    """A key result. A metric one left without a start value starts from the same metric over
    the equally long period before its window."""
    kr = KeyResult(shop_id=shop.id, **body.model_dump())
    await krs.save_key_result(session, shop.id, kr, {}, service.today_for(shop))
    return await _with_status(session, shop, kr)


@router.get("/key-results/{key_result_id}", response_model_by_alias=True)
async def get_key_result(key_result_id: RowId, shop: ShopDep, session: SessionDep) -> KeyResultOut:
    kr = await krs.get_key_result(session, shop.id, key_result_id)
    return await _with_status(session, shop, kr)


@router.patch("/key-results/{key_result_id}", response_model_by_alias=True)
async def update_key_result(
    key_result_id: RowId, body: KeyResultPatch, shop: ShopDep, session: SessionDep
) -> KeyResultOut:
    kr = await krs.get_key_result(session, shop.id, key_result_id)
    changes = body.model_dump(exclude_unset=True)
    await krs.save_key_result(session, shop.id, kr, changes, service.today_for(shop))
    return await _with_status(session, shop, kr)


@router.delete("/key-results/{key_result_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_key_result(key_result_id: RowId, shop: ShopDep, session: SessionDep) -> Response:
    kr = await krs.get_key_result(session, shop.id, key_result_id)
    service.check_open(await krs.cycle_of(session, shop.id, kr))
    await session.delete(kr)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/key-results/{key_result_id}/check-ins", status_code=status.HTTP_201_CREATED)
async def check_in(
    key_result_id: RowId, body: CheckInIn, shop: ShopDep, session: SessionDep
) -> CheckInOut:
    """A check-in: the value (manual key results), confidence 1–10 and a comment."""
    kr = await krs.get_key_result(session, shop.id, key_result_id)
    entry = await krs.check_in(session, shop.id, kr, body.model_dump())
    status_now = await _status(session, shop, kr)
    entry.score = status_now.score
    if entry.value is None:
        entry.value = status_now.value
    return check_in_out(entry)


@router.get("/key-results/{key_result_id}/check-ins")
async def list_check_ins(
    key_result_id: RowId, shop: ShopDep, session: SessionDep
) -> list[CheckInOut]:
    kr = await krs.get_key_result(session, shop.id, key_result_id)
    entries = await krs.history(session, kr)
    return [check_in_out(e) for e in entries if e.snapshot_day is None]


@router.get("/key-results/{key_result_id}/history")
async def history(key_result_id: RowId, shop: ShopDep, session: SessionDep) -> list[CheckInOut]:
    """Every check-in and daily snapshot, oldest first (the key result's chart)."""
    kr = await krs.get_key_result(session, shop.id, key_result_id)
    return [check_in_out(e) for e in await krs.history(session, kr)]


async def _status(session: SessionDep, shop: SignedInShop, kr: KeyResult) -> KRStatus:
    cycle = await krs.cycle_of(session, shop.id, kr)
    bands = await service.bands_for(session, shop.id)
    return await evaluate_key_result(session, shop.id, kr, cycle, service.today_for(shop), bands)


async def _with_status(session: SessionDep, shop: SignedInShop, kr: KeyResult) -> KeyResultOut:
    return key_result_out(kr, await _status(session, shop, kr))


@router.get("/templates")
async def list_templates(
    cycle_id: RowIdQuery, shop: ShopDep, session: SessionDep
) -> list[TemplateOut]:
    """Objectives of the three kinds with key results, start values and targets filled in from
    this shop's history before the cycle (a key result without history says what is missing)."""
    cycle = await service.get_cycle(session, shop.id, cycle_id)
    today = service.today_for(shop)
    return [
        template_out(
            template, await okr_templates.suggest(session, shop.id, cycle, template, today)
        )
        for template in okr_templates.OKR_TEMPLATES
    ]


@router.post("/templates/apply", status_code=status.HTTP_201_CREATED)
async def apply_templates(
    body: ApplyTemplatesIn, shop: ShopDep, session: SessionDep
) -> list[ObjectiveOut]:
    """A good first OKR set in one call: the chosen templates (all by default) as objectives
    (a template the shop's history fills no key result of is left out)."""
    cycle = await service.get_cycle(session, shop.id, body.cycle_id)
    chosen = body.template_ids or list(okr_templates.BY_ID)
    unknown = sorted(set(chosen) - set(okr_templates.BY_ID))
    if unknown:
        raise service.invalid(
            {"template_ids": f"no templates {unknown}: {sorted(okr_templates.BY_ID)}"}
        )
    today = service.today_for(shop)
    made = [await okr_templates.apply(session, shop.id, cycle, okr_templates.BY_ID[i], today)
            for i in chosen]  # fmt: skip
    created = [objective for objective in made if objective is not None]
    warnings = await service.warnings_for(session, cycle)
    return [objective_out(objective, warnings) for objective in created]


@router.get("/okr-settings")
async def get_bands(shop: ShopDep, session: SessionDep) -> BandsOut:
    bands = await service.bands_for(session, shop.id)
    return BandsOut(green_from=bands.green_from, yellow_from=bands.yellow_from)


@router.put("/okr-settings")
async def set_bands(body: BandsIn, shop: ShopDep, session: SessionDep) -> BandsOut:
    """The shop's score bands (default: green from 0.7, yellow from 0.4)."""
    if body.yellow_from >= body.green_from:
        raise service.invalid({"yellow_from": "yellow starts below green"})
    settings = await session.get(OkrSettings, shop.id) or OkrSettings(shop_id=shop.id)
    settings.green_from, settings.yellow_from = body.green_from, body.yellow_from
    session.add(settings)
    await session.flush()
    return BandsOut(green_from=body.green_from, yellow_from=body.yellow_from)
