"""The domain's messages: English strings for the API, and in the admin's language."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from app.admin import i18n
from app.text import Text


@pytest.fixture
def spanish() -> Iterator[None]:
    i18n.use("es_ES")
    yield
    i18n.use(i18n.DEFAULT)


def test_a_text_reads_as_its_english_with_the_values_filled_in() -> None:
    message = Text("a range lies inside the cycle (%(first)s–%(last)s)",
                   first=date(2026, 1, 1), last=date(2026, 3, 31))  # fmt: skip
    assert message == "a range lies inside the cycle (2026-01-01–2026-03-31)"
    assert json.dumps({"why": message}) == json.dumps({"why": str(message)})


@pytest.mark.usefixtures("spanish")
def test_the_admin_shows_it_translated_with_dates_written_the_locales_way() -> None:
    message = Text("a range lies inside the cycle (%(first)s–%(last)s)",
                   first=date(2026, 1, 1), last=date(2026, 3, 31))  # fmt: skip
    assert i18n.translated(message) == "un intervalo está dentro del ciclo (1 ene 2026–31 mar 2026)"
    assert i18n.translated("a weight is positive") == "el peso debe ser positivo"
    assert i18n.translated("nobody translated this") == "nobody translated this"
