"""What must not be on a merchant's page: English left in a Spanish or German page, and the
internals a merchant cannot act on (SQL, setting names, identifiers, exception names)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from tests.admin.visible_text import Piece

# Words that are the same in every language, or names that are not translated.
BRANDS = ("StoreOKR", "Shopify", "WooCommerce", "OKR", "OKRs", "NPS", "CES", "CSV", "SMTP",
          "App Bridge", "UTC", "HTML", "Net Promoter Score", "Customer Effort Score")  # fmt: skip
# A language is named in itself, so that its speakers find it.
LANGUAGE_NAMES = ("English", "Español", "Deutsch")
# Metric units and currency codes written with numbers.
UNITS = ("EUR", "USD", "GBP", "€", "%", "pp", "ratio", "×")
# Pieces that stay English in es/de on purpose, and why.
_CHECK_INS = "the OKR term, used as a loanword throughout the catalogue's sentences"
ALLOWED: dict[str, dict[str, str]] = {
    "de": {
        "Dashboard": "German uses the English word (so does Shopify's German admin)",
        "Status": "a German word",
        "Name": "a German word",
        "Start": "a German word",
        "Details": "a German word",
        "Score": "the OKR term, used as a loanword throughout the German catalogue",
        "Check-ins": _CHECK_INS,
        "Check-ins (CSV)": _CHECK_INS,
        "Team": "a German word",
        "Experiment": "a German word",
        "Export": "a German word",
        "Link": "a German word (Shopify's German admin says Link)",
    },
    "es": {
        "Check-ins": _CHECK_INS,
        "check-ins": _CHECK_INS,
        "Check-ins (CSV)": _CHECK_INS,
        "Individual": "a Spanish word",
    },
}
_WORD = re.compile(r"[^\W\d_]{2,}")


def english_left(
    language: str, english: Collection[str], translated: Iterable[Piece], names: Collection[str]
) -> list[str]:
    """The pieces of the `language` page that read exactly as on the English page and hold
    words once names, brands, units and numbers are taken out (a piece marked as written in
    another language, such as an e-mail's preview in the customer's, is not the page's; code,
    such as a webhook's topic, is no language)."""
    allowed = ALLOWED.get(language, {})
    left = []
    for piece in (p.text for p in translated if p.lang[:2] in ("", language) and not p.code):
        if piece not in english or piece in allowed or piece in names:
            continue
        rest = piece
        for known in sorted((*names, *BRANDS, *LANGUAGE_NAMES, *UNITS), key=len, reverse=True):
            rest = rest.replace(known, " ")
        if _WORD.search(rest):
            left.append(piece)
    return sorted(set(left))


_INTERNALS = {
    "SQL": re.compile(r"\b(?:SELECT .* FROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM|\[SQL:)"),
    "a setting name": re.compile(r"\bSTOREOKR_\w*"),
    "an identifier": re.compile(r"(?<![\w./:@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.@/-])"),
    "an exception name": re.compile(r"\b\w*(?:Error|Exception)\b|Traceback"),
}


def internals(texts: Iterable[str]) -> list[tuple[str, str]]:
    """(what it is, the piece) for every piece that shows an internal name."""
    return [
        (what, piece)
        for piece in texts
        for what, pattern in _INTERNALS.items()
        if pattern.search(piece)
    ]
