"""The e-mail settings page (section "settings"): the sender name and reply-to address of
the shop's marketing e-mails, how far apart they reach one customer, the quiet hours, and
whether the owner is e-mailed when a key result's status drops.
Saved through `app.messaging.shop_settings`, which the JSON API uses too; a refused form
comes back with what was typed and each error next to its field, and saves nothing."""

from __future__ import annotations

from collections.abc import Mapping

from babel.dates import format_time
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.admin import i18n
from app.admin.i18n import gettext as _
from app.admin.messaging.form import read_form, saved_values, sentences, typed_values
from app.admin.rendering import render
from app.auth.dependencies import ShopDep
from app.deps import SessionDep
from app.messaging import shop_settings
from app.messaging.shop_settings import Messaging, SettingsRefused
from app.shops.models import SignedInShop

router = APIRouter(include_in_schema=False)
PAGE = "/admin/email-settings"


@router.get(PAGE, response_class=HTMLResponse)
async def email_settings_page(request: Request, shop: ShopDep, session: SessionDep) -> HTMLResponse:
    """The shop's e-mail settings."""
    messaging = await shop_settings.messaging_of(session, shop.id)
    notice = _("E-mail settings saved.") if request.query_params.get("saved") else None
    return _page(request, shop, messaging, saved_values(messaging), notice=notice)


@router.post(PAGE, response_class=HTMLResponse)
async def save_email_settings(request: Request, shop: ShopDep, session: SessionDep) -> Response:
    """Save the settings; a wrong field answers 422 with the form as typed and saves nothing."""
    form = await request.form()
    try:
        await shop_settings.save(session, shop.id, read_form(form))
    except SettingsRefused as refused:
        messaging = await shop_settings.messaging_of(session, shop.id)
        errors = sentences(refused.problems)
        return _page(request, shop, messaging, typed_values(form), errors, status_code=422)
    return RedirectResponse(f"{PAGE}?saved=1", status_code=303)


def _page(
    request: Request,
    shop: SignedInShop,
    messaging: Messaging,
    values: Mapping[str, object],
    errors: Mapping[str, str] | None = None,
    *,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "shop": shop,
        "section": "settings",
        "messaging": messaging,
        "summary": _summary(shop, messaging),
        "values": values,
        "errors": errors or {},
        "notice": notice,
    }
    return render(request, "email_settings.html", context, status_code=status_code)


def _summary(shop: SignedInShop, messaging: Messaging) -> list[str]:
    """What the saved settings do, in sentences of the page's language."""
    locale = i18n.current()
    said = [
        i18n.ngettext(
            "At most one marketing e-mail per customer every %(num)d hour, across all "
            "initiatives; one more is skipped.",
            "At most one marketing e-mail per customer every %(num)d hours, across all "
            "initiatives; one more is skipped.",
            messaging.frequency_cap_hours,
        )
        % {"num": messaging.frequency_cap_hours}
    ]
    if messaging.quiet is None:
        said.append(_("No quiet hours: marketing e-mails go out at any time of day."))
    else:
        start, end = (format_time(moment, "short", locale=locale) for moment in messaging.quiet)
        said.append(
            _(
                "From %(start)s to %(end)s in the shop's time zone (%(zone)s), marketing "
                "e-mails wait until the quiet hours end."
            )
            % {"start": start, "end": end, "zone": shop.timezone}
        )
    return said
