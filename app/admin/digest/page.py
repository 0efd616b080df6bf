"""The digest's settings page (section "sharing"): recipients, weekday, hour, language, on/off,
and a button that sends a test digest now."""

from __future__ import annotations

from collections.abc import Mapping

from babel.dates import get_day_names
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin import i18n
from app.admin.digest.form import read_form
from app.admin.formats import read_whole
from app.admin.i18n import gettext as _
from app.admin.i18n import ngettext
from app.admin.problems import sending_problem
from app.admin.rendering import render
from app.auth.dependencies import ShopDep
from app.deps import RuntimeDep, SessionDep
from app.digest import service
from app.digest.models import DigestSettings
from app.digest.service import Delivery, SentTooRecently
from app.errors import AppError, Unprocessable
from app.messaging.lists import unsubscribed
from app.messaging.models import MailingList
from app.shops.models import SignedInShop

router = APIRouter(include_in_schema=False)
PAGE = "/admin/digest"
LANGUAGE_NAMES = {"en": "English", "es": "Español", "de": "Deutsch"}  # each in its own tongue


@router.get(PAGE, response_class=HTMLResponse)
async def digest_page(request: Request, shop: ShopDep, session: SessionDep) -> HTMLResponse:
    """The weekly digest's settings."""
    digest = await service.settings_of(session, shop.id)
    return await _page(
        request, session, shop, digest, _saved_values(digest), notice=_notice(request)
    )


@router.post(PAGE, response_class=HTMLResponse)
async def save_digest(request: Request, shop: ShopDep, session: SessionDep) -> Response:
    """Save the settings; a wrong field answers 422 with the form as typed and saves nothing."""
    form = await request.form()
    try:
        choice = read_form(form, email_ready=email_ready(request))
    except Unprocessable as error:
        digest = await service.settings_of(session, shop.id)
        typed = _typed_values(form)
        return await _page(
            request, session, shop, digest, typed, errors=_fields(error), status_code=422
        )
    await service.save(session, shop.id, choice)
    return RedirectResponse(f"{PAGE}?saved=1", status_code=303)


@router.post(f"{PAGE}/send-now", response_class=HTMLResponse)
async def send_now(
    request: Request, shop: ShopDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Send a test digest to the saved list now (the scheduled one still goes out); at most one
    every 10 minutes, else 429 and nothing sent."""
    digest = await service.settings_of(session, shop.id)
    values = _saved_values(digest)
    try:
        delivery = await service.send_test(runtime, session, shop)
    except Unprocessable as error:
        return await _page(
            request, session, shop, digest, values, errors=_fields(error), status_code=422
        )
    except SentTooRecently as error:
        page = await _page(
            request, session, shop, digest, values, problem=error.message, status_code=429
        )
        page.headers["Retry-After"] = str(error.retry_after)
        return page
    except AppError as error:  # e-mail not configured, or the SMTP server unreachable
        problem = sending_problem(error)
        return await _page(request, session, shop, digest, values, problem=problem, status_code=503)
    if delivery.failed:
        status = 200 if delivery.sent else 503
        problem = _refused(delivery)
        return await _page(
            request, session, shop, digest, values, problem=problem, status_code=status
        )
    return RedirectResponse(f"{PAGE}?sent={len(delivery.sent)}", status_code=303)


async def _page(
    request: Request,
    session: AsyncSession,
    shop: SignedInShop,
    digest: DigestSettings,
    values: Mapping[str, object],
    *,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "shop": shop,
        "section": "sharing",
        "digest": digest,
        "values": values,
        "errors": errors or {},
        "notice": notice,
        "problem": problem,
        "weekdays": list(get_day_names("wide", locale=i18n.current()).items()),
        # Recipients who left with the digest's unsubscribe link: it is no longer sent to them.
        "unsubscribed": await unsubscribed(session, shop.id, MailingList.DIGEST, digest.addresses),
        "languages": LANGUAGE_NAMES,
        "email_ready": email_ready(request),
    }
    return render(request, "digest.html", context, status_code=status_code)


def email_ready(request: Request) -> bool:
    """Whether a digest can leave at all: without an e-mail server one switched on would
    silently never be sent."""
    return bool(request.app.state.runtime.settings.smtp_host)


def _saved_values(digest: DigestSettings) -> dict[str, object]:
    return {
        "recipients": digest.recipients,
        "weekday": str(digest.weekday),
        "hour": str(digest.hour),
        "enabled": digest.enabled,
        "locale": digest.locale,
    }


def _typed_values(form: Mapping[str, object]) -> dict[str, object]:
    """What the merchant typed, shown again next to the errors (escaped by the template)."""
    text = {name: form.get(name) for name in ("recipients", "weekday", "hour", "locale")}
    values: dict[str, object] = {k: v if isinstance(v, str) else "" for k, v in text.items()}
    values["enabled"] = form.get("enabled") is not None
    return values


def _fields(error: Unprocessable) -> dict[str, str]:
    fields = error.details.get("fields", {})
    return {str(name): str(why) for name, why in fields.items()}


def _notice(request: Request) -> str | None:
    if request.query_params.get("saved"):
        return _("Digest settings saved.")
    count = read_whole(request.query_params.get("sent"))
    if count is not None:
        return ngettext(
            "Test digest sent to %(num)d address.", "Test digest sent to %(num)d addresses.", count
        ) % {"num": count}
    return None


def _refused(delivery: Delivery) -> str:
    refused = ", ".join(delivery.failed)
    return _("Sent to %(sent)d; the mail server refused: %(refused)s") % {
        "sent": len(delivery.sent),
        "refused": refused,
    }
