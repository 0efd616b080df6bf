"""What a form's action did, said on the page it leads to: a flash.

A saved form answers 303 to the page to show next, and that page says "Changes saved." once.
The flash travels in that page's address (`?done=saved`), not in a cookie: inside the Shopify
admin the frame has no cookies of ours, and the address is what `embedded_forms.js` follows.
Only known codes are read, each a sentence of the page's language, so an address cannot
make the page say anything else. Inside Shopify the sentence is an App Bridge toast
(static/toasts.js), outside it a notice at the top of the page (base.html); a form refused
with errors says "Not saved" the same way (inside Shopify; outside, its error summary does)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi.responses import RedirectResponse
from starlette.requests import Request

from app.admin.i18n import gettext as _

PARAM = "done"


class Flash(StrEnum):
    SAVED = "saved"
    REVOKED = "revoked"
    NOT_SAVED = "not_saved"


@dataclass(frozen=True)
class Shown:
    message: str
    error: bool = False


def sentence(flash: Flash) -> Shown:
    if flash is Flash.SAVED:
        return Shown(_("Changes saved."))
    if flash is Flash.REVOKED:
        return Shown(_("Link revoked: it no longer opens the scorecard."))
    return Shown(_("Not saved: see what needs changing on the page."), error=True)


def with_flash(url: str, flash: Flash) -> str:
    """`url` with the flash in its query (before any #anchor)."""
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query) if name != PARAM]
    return urlunsplit(parts._replace(query=urlencode([*query, (PARAM, flash.value)])))


def redirect(url: str, flash: Flash) -> RedirectResponse:
    """The 303 after a form's action, to a page that says what it did."""
    return RedirectResponse(with_flash(url, flash), status_code=303)


def shown(request: Request, status_code: int, embedded: bool) -> Shown | None:
    """The flash a page shows: its address's, or "Not saved" when it answers a refused form
    inside Shopify (outside, the page's own error summary says it next to the fields)."""
    if status_code == 422 and embedded:
        return sentence(Flash.NOT_SAVED)
    try:
        return sentence(Flash(request.query_params.get(PARAM, "")))
    except ValueError:  # none, or not one of ours
        return None
