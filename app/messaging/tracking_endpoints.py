"""The tracking links of marketing e-mails (no sign-in): `/m/o/<token>.gif`, the open pixel,
and `/m/c/<token>`, a signed click redirect (`app.messaging.tracking`).

The pixel always answers the same GIF, also for a token we did not sign (nothing is recorded
then): it is an image inside an e-mail, where an error shows as a broken picture to the reader,
and an answer that differed would tell a prober which tokens are ours. A click with a token we
did not sign (an altered destination) is a 404 page in sentences and goes nowhere: answering it
with a redirect would make us an open redirect. Neither sets a cookie; both say `no-store`
(each open and click must reach us, not a cache) and send no referrer onwards.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import utcnow
from app.deps import SessionDep, SettingsDep
from app.messaging.rendering import LANGUAGES, render_page
from app.messaging.tracking import (
    CLICK_PATH,
    OPEN_PATH,
    read_click,
    read_open,
    record_click,
    record_open,
)
from app.messaging.unsubscribe import TEMPLATES

router = APIRouter(tags=["tracking"], include_in_schema=False)

# A transparent 1×1 GIF.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
HEADERS = {"Cache-Control": "no-store, max-age=0", "Referrer-Policy": "no-referrer"}

INVALID = {
    "en": (
        "Link not valid",
        "This link is not valid: it may have been changed on the way. "
        "Please use the link in the e-mail as it came.",
    ),
    "es": (
        "Enlace no válido",
        "Este enlace no es válido: puede que se haya modificado por el camino. "
        "Usa el enlace del correo tal como llegó.",
    ),
    "de": (
        "Link ungültig",
        "Dieser Link ist nicht gültig: Er wurde vielleicht unterwegs verändert. "
        "Bitte nutze den Link aus der E-Mail so, wie er angekommen ist.",
    ),
}


@router.get(OPEN_PATH + "{token}.gif")
async def open_pixel(token: str, settings: SettingsDep, session: SessionDep) -> Response:
    """The open pixel: records the message's first open; always the same 1×1 GIF."""
    named = read_open(settings, token)
    if named is not None:
        await record_open(session, *named, utcnow())
    return Response(PIXEL, media_type="image/gif", headers=HEADERS)


@router.get(CLICK_PATH + "{token}", response_model=None)
async def click(
    token: str, request: Request, settings: SettingsDep, session: SessionDep
) -> Response:
    """A signed link of an e-mail: records the message's first click and goes on (302)."""
    followed = read_click(settings, token)
    if followed is None:
        return invalid_link_page(request)
    await record_click(session, followed.shop_id, followed.send_id, utcnow())
    return RedirectResponse(followed.destination, status_code=302, headers=HEADERS)


def invalid_link_page(request: Request) -> HTMLResponse:
    """404, a page in the reader's language: the link of an e-mail is not one we signed."""
    language = _language(request.headers.get("accept-language", ""))
    title, sentence = INVALID[language]
    context = {"lang": language, "title": title, "sentence": sentence, "ask": False}
    page = render_page(TEMPLATES, "unsubscribe", {**context, "button": ""})
    return HTMLResponse(page, status_code=404, headers=HEADERS)


def _language(accept: str) -> str:
    """The first of our languages the reader's browser asks for, else English."""
    for part in accept.split(","):
        wanted = part.split(";")[0].strip().lower()[:2]
        if wanted in LANGUAGES:
            return wanted
    return "en"
