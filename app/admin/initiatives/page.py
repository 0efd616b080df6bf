"""The Initiatives section: the shop's initiatives with an on/off switch each and the key
results they target; a form for a new abandoned-checkout recovery; each initiative's settings,
its send log in sentences, and its e-mail previewed in every language with a test send.

Every change goes through `app.initiatives.service`, as the JSON API's do, and the page shows
what the service answered (the switch's state is read back from it)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.admin.editor.forms import (
    FormRefused,
    FormState,
    discard_changes,
    read_row_id,
    refused,
)
from app.admin.i18n import gettext as _
from app.admin.initiatives import preview
from app.admin.initiatives.forms import read_form, saved_values, typed_values
from app.admin.initiatives.send_log import SendRow, send_row
from app.admin.rendering import render
from app.auth.dependencies import ShopDep
from app.db import utcnow
from app.deps import RowId, RuntimeDep, SessionDep
from app.errors import AppError, Conflict, NotFound, Unprocessable
from app.initiatives import repository, service
from app.initiatives.models import Initiative, InitiativeStatus, InitiativeType
from app.initiatives.schemas import InitiativeIn, InitiativePatch
from app.initiatives.settings import Language
from app.integrations.platforms import Platform
from app.messaging.models import MarketingSend
from app.okr.models import KeyResult
from app.okr.service import open_key_results
from app.ratelimit import TooManyRequests
from app.shops.models import Shop, SignedInShop

router = APIRouter(include_in_schema=False)
LIST = "/admin/initiatives"
ACTOR = "admin"
SENDS_SHOWN = 50
NEW_FORM = "initiative-new"
LANGUAGE_NAMES = {"en": "English", "es": "Español", "de": "Deutsch"}  # each in its own tongue


@dataclass(frozen=True)
class Row:
    initiative: Initiative
    key_results: list[KeyResult]

    @property
    def id(self) -> int:
        return self.initiative.id or 0


# --- The list and the new initiative --------------------------------------------------------


@router.get(LIST, response_class=HTMLResponse)
async def initiatives_page(request: Request, shop: ShopDep, session: SessionDep) -> HTMLResponse:
    """The shop's initiatives, and a form for a new one."""
    return await _list_page(request, session, shop)


@router.post(LIST, response_class=HTMLResponse)
async def create_initiative(request: Request, shop: ShopDep, session: SessionDep) -> Response:
    """A new abandoned-checkout recovery, as a draft; 422 with the form as typed if refused."""
    form = await request.form()
    choices = await _key_result_choices(session, shop.id, [])
    kind = InitiativeType.ABANDONED_CHECKOUT
    try:
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
            raise refused(error) from None
    except FormRefused as refusal:
        await discard_changes(session)
        failed = FormState(NEW_FORM, typed_values(form), refusal.errors)
        picked = _picked(form)
        return await _list_page(request, session, shop, failed, picked, refusal.status_code)
    return RedirectResponse(f"{LIST}/{initiative.id}?created=1", status_code=303)


async def _list_page(
    request: Request,
    session: AsyncSession,
    shop: SignedInShop,
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
        "values": saved_values(None),
        "failed": failed,
        "form_key": NEW_FORM,
        "languages": LANGUAGE_NAMES,
        "on_shopify": shop.platform is Platform.SHOPIFY,
        "on_woocommerce": shop.platform is Platform.WOOCOMMERCE,
    }
    return render(request, "initiatives/list.html", context, status_code=status_code)


# --- One initiative -------------------------------------------------------------------------


@router.get(LIST + "/{initiative_id}", response_class=HTMLResponse)
async def initiative_page(
    initiative_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    """An initiative: its switch, settings, key results and send log."""
    initiative = await _owned(session, shop, initiative_id)
    if initiative is None:
        return _not_found(request, shop)
    if initiative.type is InitiativeType.SURVEY:  # built in its own section
        return RedirectResponse(f"/admin/surveys/{initiative_id}", status_code=303)
    notice = None
    if request.query_params.get("created"):
        notice = _("The initiative was created as a draft: switch it on when it is ready.")
    elif request.query_params.get("saved"):
        notice = _("Settings saved.")
    return await _detail_page(request, session, shop, initiative, notice=notice)


@router.post(LIST + "/{initiative_id}", response_class=HTMLResponse)
async def save_initiative(
    initiative_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    """Save the initiative's name, key results and settings; 422 with the form as typed if
    refused, 409 for an ended initiative."""
    initiative = await _owned(session, shop, initiative_id)
    if initiative is None:
        return _not_found(request, shop)
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
            raise refused(error) from None
    except FormRefused as refusal:
        await discard_changes(session)
        initiative = await repository.get_initiative(session, shop.id, initiative_id)
        failed = FormState(_form_key(initiative), typed_values(form), refusal.errors)
        return await _detail_page(
            request, session, shop, initiative, failed, _picked(form), refusal.status_code
        )
    return RedirectResponse(f"{LIST}/{initiative_id}?saved=1", status_code=303)


@router.post(LIST + "/{initiative_id}/toggle", response_class=HTMLResponse)
async def toggle_initiative(
    initiative_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    """Switch an initiative on (activate) or off (pause: its pending e-mails are cancelled);
    htmx gets the switch back as the service left it."""
    initiative = await _owned(session, shop, initiative_id)
    if initiative is None:
        return _not_found(request, shop)
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


# --- The e-mail preview and the test send ---------------------------------------------------


@router.get(LIST + "/{initiative_id}/preview", response_class=HTMLResponse)
async def preview_page(
    initiative_id: RowId,
    request: Request,
    shop: ShopDep,
    session: SessionDep,
    runtime: RuntimeDep,
    language: str = "",
) -> HTMLResponse:
    """The initiative's e-mail with sample data, in HTML and plain text, in one language."""
    initiative = await _owned(session, shop, initiative_id)
    if initiative is None or initiative.type is not InitiativeType.ABANDONED_CHECKOUT:
        return _not_found(request, shop)
    notice = None
    if request.query_params.get("sent"):
        notice = _("A test e-mail was sent to the shop's address.")
    return await _preview(request, session, runtime, shop, initiative, language, notice=notice)


@router.post(LIST + "/{initiative_id}/test-send", response_class=HTMLResponse)
async def test_send(
    initiative_id: RowId,
    request: Request,
    shop: ShopDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Send the sample e-mail to the shop's own address (not marketing: no cap, not logged as a
    send); at most one a minute, else 429 and nothing sent."""
    initiative = await _owned(session, shop, initiative_id)
    if initiative is None or initiative.type is not InitiativeType.ABANDONED_CHECKOUT:
        return _not_found(request, shop)
    language = _language((await request.form()).get("language"), initiative)
    try:
        await preview.send_test(runtime, session, initiative, language)
    except TooManyRequests as error:
        page = await _preview(
            request, session, runtime, shop, initiative, language, error.message, 429
        )
        page.headers["Retry-After"] = str(error.retry_after)
        return page
    except Unprocessable as error:
        why = str(error.details.get("fields", {}).get("test", error.message))
        return await _preview(request, session, runtime, shop, initiative, language, why, 422)
    except AppError:  # e-mail not set up, or the SMTP server unreachable
        problem = _(
            "The test e-mail could not be sent: the mail server is not set up or could not be "
            "reached. Try again later."
        )
        return await _preview(request, session, runtime, shop, initiative, language, problem, 503)
    url = f"{LIST}/{initiative_id}/preview?language={language}&sent=1"
    return RedirectResponse(url, status_code=303)


async def _preview(
    request: Request,
    session: AsyncSession,
    runtime: RuntimeDep,
    shop: SignedInShop,
    initiative: Initiative,
    language: str,
    problem: str | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    chosen = _language(language, initiative)
    held = await session.get(Shop, shop.id)
    assert held is not None  # the signed-in shop is a row
    email = preview.sample_email(held, chosen, runtime.settings.public("/u/preview"))
    context = {
        "shop": shop,
        "section": "initiatives",
        "initiative": initiative,
        "email": email,
        "chosen": chosen,
        "languages": LANGUAGE_NAMES,
        "shop_email": held.email,
        "problem": problem,
        "notice": notice,
    }
    return render(request, "initiatives/preview.html", context, status_code=status_code)


# --- Shared pieces --------------------------------------------------------------------------


async def _detail_page(
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
        "notice": notice,
        "languages": LANGUAGE_NAMES,
        "on_shopify": shop.platform is Platform.SHOPIFY,
        "on_woocommerce": shop.platform is Platform.WOOCOMMERCE,
    }
    return render(request, "initiatives/detail.html", context, status_code=status_code)


async def _owned(
    session: AsyncSession, shop: SignedInShop, initiative_id: int
) -> Initiative | None:
    try:
        return await repository.get_initiative(session, shop.id, initiative_id)
    except NotFound:  # unknown, or another shop's: the same page for both
        return None


def _not_found(request: Request, shop: SignedInShop) -> HTMLResponse:
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


def _language(typed: object, initiative: Initiative) -> str:
    choices = {language.value for language in Language}
    if isinstance(typed, str) and typed in choices:
        return typed
    stored = initiative.settings.get("language")
    return stored if isinstance(stored, str) and stored in choices else Language.EN.value


def _ended() -> str:
    return _(
        "This initiative has ended: it cannot be changed or switched on again. Create a new "
        "one instead."
    )
