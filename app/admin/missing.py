"""What a browser shows for an address that names nothing — an unknown path, an id that is no
id: the not-found page in the visitor's language, not the API's JSON (API clients keep it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.admin import i18n
from app.admin.rendering import render


def not_found_page(request: Request) -> HTMLResponse:
    """404; the refusal came before any admin route, so the page's language is chosen here
    (and no shop is named: the address may be anyone's)."""
    i18n.use(i18n.choose(request))
    return render(request, "not_found.html", {}, status_code=404)
