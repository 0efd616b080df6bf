"""The Initiatives section: the shop's initiatives with an on/off switch each and the key
results they target; a form for a new abandoned-checkout recovery or win-back; each
initiative's settings, its experiment as stored, its history and its send log in sentences
(its e-mail previewed in every language with a test send: `preview_page`).

Every change goes through `app.initiatives.service`, as the JSON API's do, and the page shows
what the service answered (the switch's state is read back from it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.admin.editor.forms import FormRefused, FormState, discard_changes, read_row_id
from app.admin.i18n import gettext as _
from app.admin.initiatives.audit import audit_row
from app.admin.initiatives.experiment import ROWS as EXPERIMENT_ROWS
from app.admin.initiatives.experiment import editor_values, experiment
from app.admin.initiatives.forms import (
    LANGUAGE_NAMES,
    read_form,
    saved_values,
    service_refusal,
    typed_values,
)
from app.admin.initiatives.rhythm import rhythm_sentence
from app.admin.initiatives.send_log import SendRow, send_row
from app.admin.initiatives.win_back_form import HOURS
from app.admin.rendering import render
from app.auth.dependencies import ShopDep
from app.db import utcnow
from app.deps import RowId, SessionDep
from app.errors import Conflict, NotFound, Unprocessable
from app.initiatives import repository, service
from app.initiatives.models import Initiative, InitiativeStatus, InitiativeType
from app.initiatives.schemas import InitiativeIn, InitiativePatch
from app.integrations.platforms import Platform
from app.messaging.models import MarketingSend
from app.okr.models import KeyResult
from app.okr.service import open_key_results
from app.shops.models import SignedInShop

router = APIRouter(include_in_schema=False)
LIST = "/admin/initiatives"
ACTOR = "admin"
SENDS_SHOWN = AUDIT_SHOWN = 50
NEW_FORM = "initiative-new"
RECOVERY = InitiativeType.ABANDONED_CHECKOUT
# The types the admin creates, each with the form's title (read when a page is drawn, in its
# language).
NEW_TITLES: dict[InitiativeType, Callable[[], str]] = {
    InitiativeType.ABANDONED_CHECKOUT: lambda: _("Abandoned-checkout recovery"),
    InitiativeType.WIN_BACK: lambda: _("Win-back"),
}


@dataclass(frozen=True)
class Row:
    initiative: Initiative
    key_results: list[KeyResult]

    @property
    def id(self) -> int:
        return self.initiative.id or 0


# --- The list and the new initiative --------------------------------------------------------


@router.get(LIST, response_class=HTMLResponse)
async def initiatives_page(
    request: Request, shop: ShopDep, session: SessionDep, new: str = ""
) -> HTMLResponse:
    """The shop's initiatives, and a form for a new one of the type chosen (`new`)."""
    return await _list_page(request, session, shop, new_kind(new) or RECOVERY)


@router.post(LIST, response_class=HTMLResponse)
async def create_initiative(request: Request, shop: ShopDep, session: SessionDep) -> Response:
    """A new abandoned-checkout recovery or win-back, as a draft; 422 with the form as typed
    if refused."""
    form = await request.form()
    choices = await _key_result_choices(session, shop.id, [])
    kind = new_kind(form.get("type"))
    try:
        if kind is None:
            raise FormRefused({"type": _("Choose the kind of initiative to create.")})
        chosen = read_form(form, kind, {kr for kr, _label in choices})
        body = InitiativeIn(
            type=kind,
            name=chosen.name,
            settings=chosen.settings,
            key_result_ids=chosen.key_result_ids,
        )
        try:
            initiative = await service.create(session, shop.id, body, ACTOR, utcnow())
        except Unprocessable as error:
            raise service_refusal(error, kind) from None
    except FormRefused as refusal:
        await discard_changes(session)
        failed = FormState(NEW_FORM, typed_values(form), refusal.errors)
        return await _list_page(
            request, session, shop, kind or RECOVERY, failed, _picked(form), refusal.status_code
        )
    return RedirectResponse(f"{LIST}/{initiative.id}?created=1", status_code=303)


async def _list_page(
    request: Request,
    session: AsyncSession,
    shop: SignedInShop,
    kind: InitiativeType,
    failed: FormState | None = None,
    picked: list[int] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    initiatives = await repository.initiatives_of(session, shop.id)
    context = {
        "shop": shop,
        "section": "initiatives",
        "rows": await _rows(session, shop.id, initiatives),
        "choices": await _key_result_choices(session, shop.id, []),
        "picked": picked or [],
        "values": saved_values(None, kind),
        "failed": failed,
        "form_key": NEW_FORM,
        "new_kind": kind.value,
        "kinds": [(k.value, NEW_TITLES[k]()) for k in NEW_TITLES],
        "rhythm": await _rhythm(session, shop.id, kind, {}),
        "hours": HOURS,
        "languages": LANGUAGE_NAMES,
        "on_shopify": shop.platform is Platform.SHOPIFY,
        "on_woocommerce": shop.platform is Platform.WOOCOMMERCE,
        "made": request.query_params.get("made") == "3",
    }
    return render(request, "initiatives/list.html", context, status_code=status_code)


# --- One initiative -------------------------------------------------------------------------


@router.get(LIST + "/{initiative_id}", response_class=HTMLResponse)
async def initiative_page(
    initiative_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    """An initiative: its switch, settings, key results, experiment, send log and history."""
    initiative = await owned(session, shop, initiative_id)
    if initiative is None:
        return not_found(request, shop)
    if initiative.type is InitiativeType.SURVEY:  # built in its own section
        return RedirectResponse(f"/admin/surveys/{initiative_id}", status_code=303)
    notice = None
    if request.query_params.get("created"):
        notice = _("The initiative was created as a draft: switch it on when it is ready.")
    elif request.query_params.get("saved"):
        notice = _("Settings saved.")
    return await detail_page(request, session, shop, initiative, notice=notice)


@router.post(LIST + "/{initiative_id}", response_class=HTMLResponse)
async def save_initiative(
    initiative_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    """Save the initiative's name, key results and settings; 422 with the form as typed if
    refused, 409 for an ended initiative."""
    initiative = await owned(session, shop, initiative_id)
    if initiative is None:
        return not_found(request, shop)
    form = await request.form()
    linked = (await _rows(session, shop.id, [initiative]))[0].key_results
    choices = await _key_result_choices(session, shop.id, linked)
    try:
        chosen = read_form(form, initiative.type, {kr for kr, _l in choices}, initiative.settings)
        patch = InitiativePatch(
            name=chosen.name,
            key_result_ids=chosen.key_result_ids,
            settings=chosen.settings if chosen.settings else None,  # other types: kept
        )
        try:
            await service.update(session, shop.id, initiative_id, patch, ACTOR, utcnow())
        except Conflict:
            raise FormRefused({"_form": _ended()}, 409) from None
        except Unprocessable as error:
            raise service_refusal(error, initiative.type) from None
    except FormRefused as refusal:
        await discard_changes(session)
        initiative = await repository.get_initiative(session, shop.id, initiative_id)
        failed = FormState(_form_key(initiative), typed_values(form), refusal.errors)
        return await detail_page(
            request, session, shop, initiative, failed, _picked(form), refusal.status_code
        )
    return RedirectResponse(f"{LIST}/{initiative_id}?saved=1", status_code=303)


@router.post(LIST + "/{initiative_id}/toggle", response_class=HTMLResponse)
async def toggle_initiative(
    initiative_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    """Switch an initiative on (activate) or off (pause: its pending e-mails are cancelled);
    htmx gets the switch back as the service left it."""
    initiative = await owned(session, shop, initiative_id)
    if initiative is None:
        return not_found(request, shop)
    on = (await request.form()).get("on") == "1"
    problem, status_code = None, 200
    if on or initiative.status is not InitiativeStatus.DRAFT:  # a draft is off already
        wanted = InitiativeStatus.ACTIVE if on else InitiativeStatus.PAUSED
        try:
            initiative = await service.move(
                session, shop.id, initiative_id, wanted, ACTOR, utcnow()
            )
        except Conflict:  # only an ended initiative refuses both moves
            problem, status_code = _ended(), 409
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"{LIST}/{initiative_id}", status_code=303)
    context = {"shop": shop, "initiative": initiative, "problem": problem}
    return render(request, "initiatives/_switch.html", context, status_code=status_code)


# --- Shared pieces --------------------------------------------------------------------------


async def detail_page(
    request: Request,
    session: AsyncSession,
    shop: SignedInShop,
    initiative: Initiative,
    failed: FormState | None = None,
    picked: list[int] | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    row = (await _rows(session, shop.id, [initiative]))[0]
    sends = await repository.recent_sends(session, shop.id, row.id, SENDS_SHOWN)
    history = await repository.audit_of(session, shop.id, row.id, AUDIT_SHOWN)
    context = {
        "shop": shop,
        "section": "initiatives",
        "row": row,
        "initiative": initiative,
        "choices": await _key_result_choices(session, shop.id, row.key_results),
        "picked": picked if picked is not None else [kr.id for kr in row.key_results],
        "values": saved_values(initiative),
        "failed": failed,
        "form_key": _form_key(initiative),
        "sends": _send_rows(sends, shop.timezone),
        "audit": [audit_row(entry, initiative.type) for entry in history],
        "experiment": experiment(initiative),
        "experiment_key": experiment_form_key(initiative),
        "experiment_values": editor_values(initiative),
        "experiment_rows": EXPERIMENT_ROWS,
        "is_win_back": initiative.type is InitiativeType.WIN_BACK,
        "rhythm": await _rhythm(session, shop.id, initiative.type, initiative.settings),
        "hours": HOURS,
        "notice": notice,
        "languages": LANGUAGE_NAMES,
        "on_shopify": shop.platform is Platform.SHOPIFY,
        "on_woocommerce": shop.platform is Platform.WOOCOMMERCE,
    }
    return render(request, "initiatives/detail.html", context, status_code=status_code)


async def owned(session: AsyncSession, shop: SignedInShop, initiative_id: int) -> Initiative | None:
    """The shop's initiative, or None (the page answers 404)."""
    try:
        return await repository.get_initiative(session, shop.id, initiative_id)
    except NotFound:  # unknown, or another shop's: the same page for both
        return None


def not_found(request: Request, shop: SignedInShop) -> HTMLResponse:
    return render(request, "not_found.html", {"shop": shop}, status_code=404)


async def _rows(session: AsyncSession, shop_id: int, initiatives: list[Initiative]) -> list[Row]:
    links = await repository.key_result_ids(session, shop_id, [i.id or 0 for i in initiatives])
    wanted = {kr for ids in links.values() for kr in ids}
    found = await repository.key_results_by_id(session, shop_id, wanted)
    return [
        Row(i, [found[kr] for kr in links.get(i.id or 0, []) if kr in found]) for i in initiatives
    ]


async def _key_result_choices(
    session: AsyncSession, shop_id: int, linked: list[KeyResult]
) -> list[tuple[int, str]]:
    """The shop's key results in open cycles (with their cycle's name), and those already
    linked (a closed cycle's stay choosable, so saving the form does not drop them)."""
    choices = {
        kr.id: f"{kr.title} ({cycle.name})"
        for kr, cycle in await open_key_results(session, shop_id)
        if kr.id is not None
    }
    for kr in linked:
        if kr.id is not None:
            choices.setdefault(kr.id, kr.title)
    return list(choices.items())


def _picked(form: FormData) -> list[int]:
    """The key results ticked in a refused form, to tick them again."""
    typed = (read_row_id(value) for value in form.getlist("key_result_ids"))
    return [kr for kr in typed if kr is not None]


def _send_rows(sends: list[MarketingSend], timezone: str) -> list[SendRow]:
    return [send_row(send, timezone) for send in sends]


def _form_key(initiative: Initiative) -> str:
    return f"initiative-{initiative.id}"


def experiment_form_key(initiative: Initiative) -> str:
    return f"experiment-{initiative.id}"


async def _rhythm(
    session: AsyncSession, shop_id: int, kind: InitiativeType, stored: dict[str, Any]
) -> str | None:
    """What "the store's own rhythm" gives today, for a win-back's form."""
    if kind is not InitiativeType.WIN_BACK:
        return None
    return await rhythm_sentence(session, shop_id, stored, utcnow())


def new_kind(typed: object) -> InitiativeType | None:
    """The type of a new initiative the form names, among those the admin creates."""
    return next((kind for kind in NEW_TITLES if kind.value == typed), None)


def _ended() -> str:
    return _(
        "This initiative has ended: it cannot be changed or switched on again. Create a new "
        "one instead."
    )
