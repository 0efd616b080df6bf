"""The owner's alert e-mail has a plain-text part and an HTML part in the digest's frame, both
in the owner's language, with no English left in Spanish or German (real SMTP server)."""

from __future__ import annotations

from email.header import decode_header, make_header
from email.message import Message

from app.digest.alerts.service import check_shop
from app.digest.models import DigestSettings
from app.okr.health import Health
from tests.admin.page_words import english_left
from tests.admin.visible_text import Piece, visible_pieces
from tests.digest.test_alerts import OWNER, mark, watched
from tests.fixtures.mail import Inbox
from tests.fixtures.stores import PUBLIC_URL, Connected
from tests.initiatives.test_recovery import parts

LANGUAGES = ("en", "es", "de")
TITLE = "New shop front live"  # tests/digest/test_alerts.py's milestone, as the owner typed it
NAMES = ("Alpine", TITLE, OWNER)


async def alert_in(connected: Connected, smtp: tuple[Inbox, int], language: str) -> Message:
    """The alert about a milestone that fell from on track to off track, for an owner who reads
    e-mails in `language`."""
    shop = await watched(connected, smtp)
    async with shop.runtime.transaction() as session:
        session.add(DigestSettings(shop_id=shop.shop_id, locale=language))
    await mark(shop.runtime, shop.kr_id, done=False)
    [drop] = await check_shop(shop.runtime, shop.shop_id)
    assert (drop.before, drop.after) == (Health.ON_TRACK, Health.OFF_TRACK)
    return shop.inbox.messages[-1]


def text_pieces(text: str) -> list[Piece]:
    return [Piece(line.strip(), "") for line in text.splitlines() if line.strip()]


async def test_the_alert_has_both_parts_in_the_owners_language(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    messages = {
        language: await alert_in(connected, smtp_server, language) for language in LANGUAGES
    }

    bodies = {language: parts(message) for language, message in messages.items()}
    english_text, english_html = bodies["en"]
    assert f"“{TITLE}” went from On track to Off track." in english_text
    assert f"{PUBLIC_URL}/admin/email-settings" in english_text
    assert f'href="{PUBLIC_URL}/admin/email-settings"' in english_html
    assert f'<a href="{PUBLIC_URL}/"' in english_html  # the dashboard
    assert '<html lang="en">' in english_html
    german_text, german_html = bodies["de"]
    assert f"„{TITLE}“ ist von Im Plan auf Nicht im Plan gefallen." in german_text
    assert f"„{TITLE}“ ist von Im Plan auf Nicht im Plan gefallen." in german_html
    assert '<html lang="de">' in german_html
    assert '<html lang="es">' in bodies["es"][1]
    english = {piece.text for piece in visible_pieces(english_html)}
    english |= {piece.text for piece in text_pieces(english_text)}
    for language in ("es", "de"):
        text, html = bodies[language]
        subject = str(make_header(decode_header(messages[language]["Subject"])))
        english_subject = str(make_header(decode_header(messages["en"]["Subject"])))
        assert subject != english_subject
        pieces = visible_pieces(html) + text_pieces(text)
        assert english_left(language, english, pieces, NAMES) == [], language
