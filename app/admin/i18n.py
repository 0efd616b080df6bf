"""The admin's languages: English, Spanish and German through gettext catalogues.

The store admin passes the user's `locale` (Shopify: `?locale=es-ES`); the choice is kept in a
cookie so that the next page and htmx's fragment requests speak the same language. The
catalogues are `locales/<lang>/LC_MESSAGES/messages.po`, compiled in memory at first use, so
no build step and no binary file sit in the repository."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import Request

from app.text import Text

LANGUAGES = ("en", "es", "de")
DEFAULT = "en"
LOCALE_COOKIE = "storeokr_locale"
LOCALE_HEADER = "X-StoreOKR-Locale"  # htmx's fragment requests repeat the page's locale
CATALOGUES = Path(__file__).parent / "locales"

# The locale of the page being rendered (a full one, e.g. "de_DE", for number formats).
_current: ContextVar[str] = ContextVar("admin_locale", default=DEFAULT)


def supported(tag: str | None) -> str | None:
    """A full locale ("es_ES") for a tag in one of our languages, else None."""
    if not tag:
        return None
    try:
        locale = Locale.parse(tag.strip().replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    return str(locale) if locale.language in LANGUAGES else None


def choose(request: Request) -> str:
    """The request's locale: asked for in the URL, then the page's header, then the cookie,
    then the browser's languages, then English."""
    for tag in (
        request.query_params.get("locale"),
        request.headers.get(LOCALE_HEADER),
        request.cookies.get(LOCALE_COOKIE),
    ):
        if chosen := supported(tag):
            return chosen
    return _from_accept_language(request.headers.get("Accept-Language", "")) or DEFAULT


def _from_accept_language(header: str) -> str | None:
    tags = [part.split(";")[0] for part in header.split(",")]
    return next((chosen for tag in tags if (chosen := supported(tag))), None)


def use(locale: str) -> None:
    _current.set(locale)


@contextmanager
def speaking(locale: str) -> Iterator[None]:
    """`locale` inside the block, the language before it after (an e-mail written in its
    reader's language from a page in another)."""
    token = _current.set(locale)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


def language() -> str:
    return current().split("_")[0]


@cache
def _translations(language: str) -> NullTranslations:
    source = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    if not source.exists():
        return NullTranslations()
    with source.open("rb") as po:
        catalogue = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def gettext(message: str) -> str:
    return _translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(language()).ngettext(singular, plural, n)


def translated(message: str) -> str:
    """A message from the domain in the page's language: a `Text` by its template, with its
    values written the locale's way; any other string as the catalogue has it (or as is)."""
    if not isinstance(message, Text):
        return gettext(message)
    if not message.values:  # nothing to fill in: a "%" in it is just a per cent sign
        return gettext(message.template)
    values = {name: _written(value) for name, value in message.values.items()}
    return gettext(message.template) % values


def _written(value: object) -> object:
    if isinstance(value, date):
        return format_date(value, "medium", locale=current())
    return value


async def use_page_locale(request: Request) -> None:
    """A dependency of every admin route: the request's language is known before the route
    reads a number typed into a form or writes an error (a context variable: each request
    starts from the default)."""
    use(choose(request))
