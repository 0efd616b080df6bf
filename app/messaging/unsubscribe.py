"""The unsubscribe link of every marketing e-mail and of every weekly digest: `/u/<signed
token>` (no sign-in). The token says which list (`MailingList`) it leaves: a digest's link
stops the digest to that recipient, and nothing of the shop's marketing.

POST is RFC 8058's one-click unsubscribe (a mail client sends `List-Unsubscribe=One-Click`),
and what the page's button sends. GET only shows that page: mail scanners open links in
e-mails, and a GET that unsubscribed would unsubscribe people who never clicked. Either way the
reader sees a sentence in the e-mail's language; a link we did not sign is a 404 that says so.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.db import utcnow
from app.deps import SessionDep, SettingsDep
from app.messaging.addresses import Unsubscriber, read_token
from app.messaging.lists import unsubscribe
from app.messaging.models import MailingList
from app.messaging.rendering import render_page

router = APIRouter(tags=["unsubscribe"], include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"

WORDS = {
    "en": {
        "title": "Unsubscribe",
        "ask": "Do you want to stop receiving marketing e-mails from this shop?",
        "button": "Unsubscribe",
        "done": "You are unsubscribed: this shop will send you no more marketing e-mails.",
        "invalid": "This unsubscribe link is not valid. Please use the link in the e-mail.",
        "digest_ask": "Do you want to stop receiving this shop's weekly OKR digest?",
        "digest_done": "You are unsubscribed: this shop's weekly OKR digest is no longer sent "
        "to you.",
    },
    "es": {
        "title": "Darse de baja",
        "ask": "¿Quieres dejar de recibir correos de marketing de esta tienda?",
        "button": "Darse de baja",
        "done": "Te has dado de baja: esta tienda no te enviará más correos de marketing.",
        "invalid": "Este enlace para darse de baja no es válido. Usa el enlace del correo.",
        "digest_ask": "¿Quieres dejar de recibir el resumen semanal de OKR de esta tienda?",
        "digest_done": "Te has dado de baja: ya no te enviaremos el resumen semanal de OKR de "
        "esta tienda.",
    },
    "de": {
        "title": "Abmelden",
        "ask": "Möchtest du keine Marketing-E-Mails mehr von diesem Shop erhalten?",
        "button": "Abmelden",
        "done": "Du bist abgemeldet: Dieser Shop schickt dir keine Marketing-E-Mails mehr.",
        "invalid": "Dieser Abmeldelink ist nicht gültig. Bitte nutze den Link aus der E-Mail.",
        "digest_ask": "Möchtest du die wöchentliche OKR-Übersicht dieses Shops nicht mehr "
        "erhalten?",
        "digest_done": "Du bist abgemeldet: Die wöchentliche OKR-Übersicht dieses Shops wird "
        "dir nicht mehr geschickt.",
    },
}


def _page(language: str, sentence: str, *, ask: bool = False, status: int = 200) -> HTMLResponse:
    words = WORDS[language]
    context = {
        "lang": language,
        "title": words["title"],
        "sentence": words[sentence],
        "button": words["button"],
        "ask": ask,
    }
    return HTMLResponse(render_page(TEMPLATES, "unsubscribe", context), status_code=status)


def _reader(settings: SettingsDep, token: str) -> Unsubscriber | None:
    return read_token(settings, token)


@router.get("/u/{token}", response_class=HTMLResponse)
async def unsubscribe_page(token: str, settings: SettingsDep) -> HTMLResponse:
    """The page an e-mail's unsubscribe link opens: one question and a button."""
    reader = _reader(settings, token)
    if reader is None:
        return _page("en", "invalid", status=404)
    return _page(reader.language, _sentence(reader, "ask"), ask=True)


@router.post("/u/{token}", response_class=HTMLResponse)
async def unsubscribe_one_click(
    token: str, settings: SettingsDep, session: SessionDep
) -> HTMLResponse:
    """One-click unsubscribe (RFC 8058): no more of the token's list (the shop's marketing, or
    its digest) to this address."""
    reader = _reader(settings, token)
    if reader is None:
        return _page("en", "invalid", status=404)
    await unsubscribe(session, reader.shop_id, reader.address_digest, utcnow(), reader.mailing_list)
    return _page(reader.language, _sentence(reader, "done"))


def _sentence(reader: Unsubscriber, what: str) -> str:
    return f"digest_{what}" if reader.mailing_list is MailingList.DIGEST else what
