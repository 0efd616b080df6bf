"""The editor's key-result forms: add (metric or manual), change, move, delete."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.admin.editor import amounts
from app.admin.editor.forms import parse, read_row_id
from app.admin.editor.reorder import move
from app.admin.editor.submit import editor_url, submit
from app.auth.dependencies import ShopDep
from app.deps import RowId, SessionDep
from app.okr import key_results as krs
from app.okr import service
from app.okr.models import KeyResult, Source
from app.okr.schemas import KeyResultIn

router = APIRouter(prefix="/admin/okrs/key-results")

NUMBERS = {"weight"}  # typed in the page's locale; the amounts in their metric's unit too

# What the form owns; the rest (done for milestones, position) has its own controls.
_EDITABLE = {
    "title", "metric_key", "window", "window_start", "window_end", "rolling_days", "kr_type",
    "start_value", "target", "stretch_target", "weight", "owner_name", "owner_email", "unit",
}  # fmt: skip


def _body(values: dict[str, str]) -> KeyResultIn:
    """The form as the API's request; a manual key result has no metric whatever was picked,
    and a checkbox left unticked is not sent at all. Start and targets are read in the chosen
    metric's unit (a rate typed as a percentage)."""
    given: dict[str, object] = dict(values)
    if given.get("source") == Source.MANUAL:
        given.pop("metric_key", None)
    given["done"] = "done" in values
    unit = amounts.unit_of(str(given.get("metric_key") or ""))
    return parse(KeyResultIn, given, NUMBERS, amounts.readers(unit))


@router.post("")
async def add_key_result(request: Request, shop: ShopDep, session: SessionDep) -> Response:
    form = await request.form()
    objective_id = read_row_id(form.get("objective_id"))
    objective = await service.get_objective(session, shop.id, objective_id or 0)

    async def change(values: dict[str, str]) -> str:
        body = _body({**values, "objective_id": str(objective.id)})
        kr = KeyResult(shop_id=shop.id, **body.model_dump())
        kr.position = len(await service.key_results_of(session, [objective.id or 0]))
        await krs.save_key_result(session, shop.id, kr, {}, service.today_for(shop))
        return editor_url(objective.cycle_id, f"kr-{kr.id}")

    key = f"kr-new-{objective.id}"
    return await submit(request, session, shop, key, objective.cycle_id, change)


@router.post("/{key_result_id}")
async def change_key_result(
    key_result_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    kr = await krs.get_key_result(session, shop.id, key_result_id)
    cycle = await krs.cycle_of(session, shop.id, kr)

    async def change(values: dict[str, str]) -> str:
        body = _body({**values, "objective_id": str(kr.objective_id), "source": kr.source})
        changes = body.model_dump(
            include=_EDITABLE | ({"done"} if "done_shown" in values else set())
        )
        await krs.save_key_result(session, shop.id, kr, changes, service.today_for(shop))
        return editor_url(cycle.id, f"kr-{key_result_id}")

    return await submit(request, session, shop, f"kr-{key_result_id}", cycle.id, change)


@router.post("/{key_result_id}/move")
async def move_key_result(
    key_result_id: RowId,
    request: Request,
    shop: ShopDep,
    session: SessionDep,
    direction: Literal["up", "down"] = Form(),
) -> Response:
    kr = await krs.get_key_result(session, shop.id, key_result_id)
    cycle = await krs.cycle_of(session, shop.id, kr)

    async def change(_values: dict[str, str]) -> str:
        service.check_open(cycle)
        move(await service.key_results_of(session, [kr.objective_id]), kr, direction)
        return editor_url(cycle.id, f"kr-{key_result_id}")

    return await submit(request, session, shop, f"kr-{key_result_id}", cycle.id, change)


@router.post("/{key_result_id}/delete")
async def delete_key_result(
    key_result_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    kr = await krs.get_key_result(session, shop.id, key_result_id)
    cycle = await krs.cycle_of(session, shop.id, kr)

    async def change(_values: dict[str, str]) -> str:
        service.check_open(cycle)
        await session.delete(kr)
        return editor_url(cycle.id, f"objective-{kr.objective_id}")

    return await submit(request, session, shop, f"kr-{key_result_id}", cycle.id, change)
