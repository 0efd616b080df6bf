"""The editor's objective forms: add, change, move up or down, delete."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.admin.editor.forms import parse, read_row_id
from app.admin.editor.reorder import move
from app.admin.editor.submit import editor_url, submit
from app.auth.dependencies import ShopDep
from app.deps import RowId, SessionDep
from app.okr import service
from app.okr.models import Objective
from app.okr.schemas import ObjectiveIn

router = APIRouter(prefix="/admin/okrs/objectives")

NUMBERS = {"weight"}  # typed in the page's locale


@router.post("")
async def add_objective(request: Request, shop: ShopDep, session: SessionDep) -> Response:
    form = await request.form()
    cycle_id = read_row_id(form.get("cycle_id"))

    async def change(values: dict[str, str]) -> str:
        body = parse(ObjectiveIn, values, NUMBERS)
        cycle = await service.get_cycle(session, shop.id, body.cycle_id)
        objective = Objective(shop_id=shop.id, **body.model_dump())
        objective.position = len(await service.objectives_of(session, cycle))
        await service.save_objective(session, shop.id, objective, {})
        return editor_url(body.cycle_id, f"objective-{objective.id}")

    return await submit(request, session, shop, "objective-new", cycle_id, change)


@router.post("/{objective_id}")
async def change_objective(
    objective_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    objective = await service.get_objective(session, shop.id, objective_id)
    cycle_id = objective.cycle_id

    async def change(values: dict[str, str]) -> str:
        body = parse(ObjectiveIn, {**values, "cycle_id": cycle_id}, NUMBERS)
        changes = body.model_dump(exclude={"cycle_id", "position"})
        await service.save_objective(session, shop.id, objective, changes)
        return editor_url(cycle_id, f"objective-{objective_id}")

    return await submit(request, session, shop, f"objective-{objective_id}", cycle_id, change)


@router.post("/{objective_id}/move")
async def move_objective(
    objective_id: RowId,
    request: Request,
    shop: ShopDep,
    session: SessionDep,
    direction: Literal["up", "down"] = Form(),
) -> Response:
    """One place up or down among the objectives it sits with (same cycle, same parent)."""
    objective = await service.get_objective(session, shop.id, objective_id)

    async def change(_values: dict[str, str]) -> str:
        cycle = await service.get_cycle(session, shop.id, objective.cycle_id)
        service.check_open(cycle)
        siblings = [
            o
            for o in await service.objectives_of(session, cycle)
            if o.parent_id == objective.parent_id
        ]
        move(siblings, objective, direction)
        return editor_url(objective.cycle_id, f"objective-{objective_id}")

    key = f"objective-{objective_id}"
    return await submit(request, session, shop, key, objective.cycle_id, change)


@router.post("/{objective_id}/delete")
async def delete_objective(
    objective_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    objective = await service.get_objective(session, shop.id, objective_id)

    async def change(_values: dict[str, str]) -> str:
        service.check_open(await service.get_cycle(session, shop.id, objective.cycle_id))
        await session.delete(objective)
        return editor_url(objective.cycle_id)

    key = f"objective-{objective_id}"
    return await submit(request, session, shop, key, objective.cycle_id, change)
