"""The editor's cycle forms: a new cycle, templates in one click, the guided start, and
closing a cycle with its retrospective."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.responses import Response

from app.admin.editor.forms import FORM_ERROR, FormRefused, parse
from app.admin.editor.submit import editor_url, submit
from app.admin.formats import read_whole
from app.admin.i18n import gettext as _
from app.admin.i18n import translated
from app.auth.dependencies import ShopDep
from app.deps import RowId, SessionDep
from app.okr import okr_templates, service
from app.okr.closing import close_cycle
from app.okr.models import Cycle
from app.okr.schemas import CycleIn
from app.shops.models import SignedInShop

router = APIRouter(prefix="/admin/okrs")

RETROSPECTIVE = "retrospective-"  # + objective id: one text per objective


@router.post("/cycles")
async def add_cycle(request: Request, shop: ShopDep, session: SessionDep) -> Response:
    """A calendar year, or a name with first and last day."""

    async def change(values: dict[str, str]) -> str:
        body = parse(CycleIn, _named_or_yearly(values))
        if body.year is not None:
            name, start, end = service.yearly(body.year)
        elif body.name and body.start and body.end:
            name, start, end = body.name, body.start, body.end
        elif body.name or body.start or body.end:  # a named cycle, not complete yet
            blank = {"name": body.name, "start": body.start, "end": body.end}
            raise FormRefused({field: _("Fill in this field.") for field, given in blank.items()
                               if not given})  # fmt: skip
        else:
            raise FormRefused({"year": _("Give a year, or a name with its first and last day.")})
        cycle = await service.create_cycle(session, shop.id, name, start, end)
        return editor_url(cycle.id)

    return await submit(request, session, shop, "cycle-new", None, change)


def _named_or_yearly(values: dict[str, str]) -> dict[str, str]:
    """A name or a day typed in makes a named cycle: the year the form suggests is then left
    out (it would otherwise win, and "Spring push" would silently become next year)."""
    if any(values.get(field, "").strip() for field in ("name", "start", "end")):
        return {field: value for field, value in values.items() if field != "year"}
    return values


@router.post("/cycles/{cycle_id}/templates")
async def apply_template(
    cycle_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    """One template (or, without `template_id`, all of them) as objectives with key results
    filled in from the shop's history."""
    cycle = await service.get_cycle(session, shop.id, cycle_id)
    chosen = str((await request.form()).get("template_id") or "")

    async def change(values: dict[str, str]) -> str:
        if chosen and chosen not in okr_templates.BY_ID:
            raise FormRefused({"template_id": _("There is no such template.")})
        made = await _apply(session, shop, cycle, [chosen] if chosen else list(okr_templates.BY_ID))
        if not made:
            raise FormRefused({FORM_ERROR: _(
                "Your store's history cannot fill any of these key results yet: they need at "
                "least one complete week of orders. Add key results by hand meanwhile."
            )})  # fmt: skip
        return editor_url(cycle_id)

    return await submit(request, session, shop, "templates", cycle_id, change)


@router.post("/start")
async def guided_start(shop: ShopDep, session: SessionDep) -> Response:
    """A new shop's first OKRs in one click: this year's cycle with every template its history
    can fill (without a complete week of history, the cycle alone, for objectives by hand)."""
    year = service.today_for(shop).year
    name, start, end = service.yearly(year)
    cycle = await service.create_cycle(session, shop.id, name, start, end)
    await _apply(session, shop, cycle, list(okr_templates.BY_ID))
    return RedirectResponse("/", status_code=303)


async def _apply(
    session: AsyncSession, shop: SignedInShop, cycle: Cycle, template_ids: list[str]
) -> int:
    """The templates as objectives; how many the history could fill (the others are left out)."""
    made = 0
    for template_id in template_ids:
        template = okr_templates.BY_ID[template_id]
        today = service.today_for(shop)
        # The objective is the merchant's from now on: written in the language they read.
        objective = await okr_templates.apply(
            session, shop.id, cycle, template, today, words=translated
        )
        made += objective is not None
    return made


@router.post("/cycles/{cycle_id}/close")
async def close(cycle_id: RowId, request: Request, shop: ShopDep, session: SessionDep) -> Response:
    """Freeze the final scores, with what the team learned per objective."""
    cycle = await service.get_cycle(session, shop.id, cycle_id)

    async def change(values: dict[str, str]) -> str:
        retrospectives = {
            objective_id: text
            for name, text in values.items()
            if name.startswith(RETROSPECTIVE)
            and (objective_id := read_whole(name.removeprefix(RETROSPECTIVE))) is not None
        }
        await close_cycle(session, shop.id, cycle, retrospectives, service.today_for(shop))
        return editor_url(cycle_id)

    return await submit(request, session, shop, "close", cycle_id, change)
