"""What a browser shows when a public page (a share link's) was asked for too often: a sentence
in the reader's language, not the API's JSON. The limit itself is `app.ratelimit`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.admin import i18n
from app.admin.rendering import render
from app.admin.sharing.share_page import SHARE_HEADERS


def limited_page(request: Request, retry_after: int) -> HTMLResponse:
    """429 with `Retry-After` (seconds); the refusal came before any route, so the page's
    language is chosen here."""
    i18n.use(i18n.choose(request))
    response = render(request, "too_many_requests.html", {"csrf_token": None}, status_code=429)
    # A share page's address is its key: the share headers keep it out of Referer and caches.
    response.headers.update({**SHARE_HEADERS, "Retry-After": str(retry_after)})
    return response
