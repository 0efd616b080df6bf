"""What a merchant reads on a page: its text nodes and the attributes a browser shows or reads
aloud, as Chromium renders the page when it opens — without scripts, styles, templates, hidden
elements and the closed part of a `<details>` toggle (its `<summary>` is read), and code marked
`data-verbatim` — a snippet the merchant pastes into their theme, which must read exactly as it
is. Each piece comes with its language (the nearest `lang`
attribute around it) and whether it is set as code (`<code>`, `<pre>`, `<kbd>`, `<samp>`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Shown as text (placeholder, tooltip) or read aloud (aria-label, alt).
READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
_NEVER_SHOWN = {"script", "style", "template", "noscript", "head"}
CODE = {"code", "pre", "kbd", "samp"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip


@dataclass(frozen=True)
class Piece:
    text: str
    lang: str
    code: bool = False


@dataclass
class _Open:
    tag: str
    unseen: bool
    lang: str
    code: bool
    closed_details: bool = False


class _Reader(HTMLParser):
    def __init__(self, *, opened: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[Piece] = []
        self._open: list[_Open] = []
        self._opened = opened  # read every `<details>` as if the merchant had opened it

    def _top(self) -> _Open | None:
        return self._open[-1] if self._open else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        top = self._top()
        unseen = (
            (top is not None and (top.unseen or (top.closed_details and tag != "summary")))
            or tag in _NEVER_SHOWN
            or "data-verbatim" in given
            or "hidden" in given
            or given.get("aria-hidden") == "true"
        )
        lang = given.get("lang") or (top.lang if top else "")
        code = tag in CODE or (top is not None and top.code)
        if not unseen:
            shown = [given.get(name) for name in READ_ATTRIBUTES]
            if tag == "input" and given.get("type") in ("submit", "button"):
                shown.append(given.get("value"))
            self.pieces.extend(Piece(value, lang, code) for value in shown if value)
        if tag not in _VOID:
            closed = tag == "details" and "open" not in given and not self._opened
            self._open.append(_Open(tag, unseen, lang, code, closed))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        top = self._top()
        if top is None or not (top.unseen or top.closed_details):
            self.pieces.append(Piece(data, top.lang, top.code) if top else Piece(data, ""))


def visible_pieces(html: str, *, opened: bool = False) -> list[Piece]:
    """The page's visible text pieces, whitespace collapsed, empty ones left out; `opened`:
    with what every `<details>` toggle shows once opened."""
    reader = _Reader(opened=opened)
    reader.feed(html)
    reader.close()
    pieces = (Piece(re.sub(r"\s+", " ", p.text).strip(), p.lang, p.code) for p in reader.pieces)
    return [piece for piece in pieces if piece.text]
