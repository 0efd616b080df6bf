"""An initiative's e-mail previewed with sample data (HTML and plain text, in each language;
a win-back's first e-mail or its reminder), and a test copy sent to the shop's own address
(`preview` says what a test send is and is not)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.i18n import gettext as _
from app.admin.initiatives import preview
from app.admin.initiatives.forms import LANGUAGE_NAMES
from app.admin.initiatives.page import LIST, not_found, owned
from app.admin.rendering import render
from app.auth.dependencies import ShopDep
from app.deps import RowId, RuntimeDep, SessionDep
from app.errors import AppError, Unprocessable
from app.initiatives.models import Initiative
from app.initiatives.settings import Language
from app.ratelimit import TooManyRequests
from app.runtime import Runtime
from app.shops.models import Shop, SignedInShop

router = APIRouter(include_in_schema=False)


@router.get(LIST + "/{initiative_id}/preview", response_class=HTMLResponse)
async def preview_page(
    initiative_id: RowId,
    request: Request,
    shop: ShopDep,
    session: SessionDep,
    runtime: RuntimeDep,
    language: str = "",
    step: str = "",
) -> HTMLResponse:
    """The initiative's e-mail with sample data, in HTML and plain text, in one language."""
    initiative = await owned(session, shop, initiative_id)
    if initiative is None or not preview.previewable(initiative):
        return not_found(request, shop)
    notice = None
    if request.query_params.get("sent"):
        notice = _("A test e-mail was sent to the shop's address.")
    chosen = _Chosen(_language(language, initiative), preview.step_of(initiative, step))
    return await _preview(request, session, runtime, shop, initiative, chosen, notice=notice)


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
    initiative = await owned(session, shop, initiative_id)
    if initiative is None or not preview.previewable(initiative):
        return not_found(request, shop)
    form = await request.form()
    chosen = _Chosen(
        _language(form.get("language"), initiative), preview.step_of(initiative, form.get("step"))
    )
    try:
        await preview.send_test(runtime, session, initiative, chosen.language, chosen.step)
    except TooManyRequests as error:
        page = await _preview(
            request, session, runtime, shop, initiative, chosen, error.message, 429
        )
        page.headers["Retry-After"] = str(error.retry_after)
        return page
    except Unprocessable as error:
        why = str(error.details.get("fields", {}).get("test", error.message))
        return await _preview(request, session, runtime, shop, initiative, chosen, why, 422)
    except AppError:  # e-mail not set up, or the SMTP server unreachable
        problem = _(
            "The test e-mail could not be sent: the mail server is not set up or could not be "
            "reached. Try again later."
        )
        return await _preview(request, session, runtime, shop, initiative, chosen, problem, 503)
    url = f"{LIST}/{initiative_id}/preview?language={chosen.language}&step={chosen.step}&sent=1"
    return RedirectResponse(url, status_code=303)


@dataclass(frozen=True)
class _Chosen:
    """The language and step of the e-mail shown."""

    language: str
    step: int


async def _preview(
    request: Request,
    session: AsyncSession,
    runtime: Runtime,
    shop: SignedInShop,
    initiative: Initiative,
    chosen: _Chosen,
    problem: str | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    held = await session.get(Shop, shop.id)
    assert held is not None  # the signed-in shop is a row
    unsubscribe = runtime.settings.public("/u/preview")  # a sample: it unsubscribes no one
    email = preview.sample_email(held, initiative, chosen.language, chosen.step, unsubscribe)
    context = {
        "shop": shop,
        "section": "initiatives",
        "initiative": initiative,
        "email": email,
        "chosen": chosen.language,
        "step": chosen.step,
        "steps": preview.steps_of(initiative),
        "languages": LANGUAGE_NAMES,
        "shop_email": held.email,
        "problem": problem,
        "notice": notice,
    }
    return render(request, "initiatives/preview.html", context, status_code=status_code)


def _language(typed: object, initiative: Initiative) -> str:
    choices = {language.value for language in Language}
    if isinstance(typed, str) and typed in choices:
        return typed
    stored = initiative.settings.get("language")
    return stored if isinstance(stored, str) and stored in choices else Language.EN.value
