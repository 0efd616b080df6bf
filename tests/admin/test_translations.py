"""Every message the admin shows is translated into Spanish and German, with the same
placeholders; a new message fails here until scripts/translations.sh has merged it and
someone has translated it."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.admin import i18n

ROOT = Path(__file__).parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "Text": None}  # the domain's messages (app/text.py)


def messages_in_the_code() -> set[str]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found = extract_from_dir(str(ROOT / "app"), method_map, options_map, keywords=KEYWORDS)
    return {message if isinstance(message, str) else message[0] for *_, message, _, _ in found}


def catalogue(language: str) -> Catalog:
    with (i18n.CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", ["es", "de"])
def test_every_message_is_translated(language: str) -> None:
    translated = catalogue(language)
    missing = sorted(
        message
        for message in messages_in_the_code()
        if message not in translated or not translated[message].string
    )
    assert missing == [], f"untranslated in {language}: run scripts/translations.sh, translate"


@pytest.mark.parametrize("language", ["es", "de"])
def test_translations_keep_their_placeholders(language: str) -> None:
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in catalogue(language).check()
    ]
    assert problems == []
