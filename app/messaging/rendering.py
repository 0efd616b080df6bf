"""E-mails and pages written from Jinja2 templates in one of our languages: `<name>.<lang>.html`
and `<name>.<lang>.txt` side by side, HTML escaped, text not; money in the reader's locale."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel.numbers import format_currency

LANGUAGES = ("en", "es", "de")


@cache
def _environment(directory: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def money(value: Decimal, currency: str, language: str) -> str:
    """`value` with its currency as a reader of `language` writes it ("€12.50", "12,50 €")."""
    return format_currency(value, currency, locale=language)


def render(directory: Path, name: str, language: str, kind: str, context: dict[str, Any]) -> str:
    """Template `<name>.<language>.<kind>` (kind: "html" or "txt") of `directory`."""
    if language not in LANGUAGES:
        raise ValueError(f"no template in {language!r}: one of {', '.join(LANGUAGES)}")
    template = _environment(directory).get_template(f"{name}.{language}.{kind}")
    return template.render(**context)


def render_page(directory: Path, name: str, context: dict[str, Any]) -> str:
    """Template `<name>.html` of `directory`, its words given in `context`."""
    return _environment(directory).get_template(f"{name}.html").render(**context)
