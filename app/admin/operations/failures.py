"""A failed webhook's or sync's error as the Operations page shows it: a sentence in the page's
language saying what kind of thing went wrong, and the details — for whoever fixes it —
without personal data (e-mail addresses, phone numbers) or the SQL and its parameters. The JSON
API keeps the stored error whole (app/operations/endpoints.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.admin.i18n import gettext as _

# The stored error is "ExceptionName: message" (app/webhooks/service.py `record_failure`).
_NAMED = re.compile(r"^(?P<name>[A-Za-z_][\w.]*): (?P<message>.*)$", re.S)
_CURRENCY = re.compile(r"order in (?P<order>[A-Z]{3}), the store's currency is (?P<shop>[A-Z]{3})")
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+\d[\d ()/-]{6,}\d")  # international form only: ids and days stay
# SQLAlchemy appends the statement, its parameters (customers' data) and a link to its docs.
_SQL_PARTS = re.compile(r"\[(?:SQL|parameters): .*?\](?=\s*(?:\[|\(Background|$))", re.S)
_BACKGROUND = re.compile(r"\(Background on this error at: [^)]*\)")
_DATABASE = ("DBAPIError", "IntegrityError", "DataError", "ProgrammingError", "OperationalError",
             "InterfaceError", "PostgresError", "UniqueViolationError", "sqlite3")  # fmt: skip
_NETWORK = ("ConnectError", "ConnectTimeout", "ReadTimeout", "TimeoutException",
            "HTTPStatusError", "RemoteProtocolError", "StoreUnavailable", "TimeoutError",
            "ConnectionError")  # fmt: skip
DETAILS_SHOWN = 600  # characters: enough to recognise the error, not a wall of text


@dataclass(frozen=True)
class Failure:
    summary: str  # a sentence in the page's language
    details: str  # for whoever fixes it: no personal data, no SQL


def failure(stored: str) -> Failure:
    named = _NAMED.match(stored.strip())
    name, message = (named["name"], named["message"]) if named else ("", stored)
    return Failure(_summary(name, message), _details(name, message))


def _summary(name: str, message: str) -> str:
    short = name.rsplit(".", 1)[-1]
    if currency := _CURRENCY.search(message):
        return _(
            "The order is in %(order)s but this shop is set to %(shop)s: correct the shop's "
            "currency, then retry."
        ) % {"order": currency["order"], "shop": currency["shop"]}
    if short == "NormalisationError":
        return _("The store sent data StoreOKR could not read: retry once the store is updated.")
    if short in _DATABASE or "[SQL:" in message:
        return _("The database did not store it: retry; if it fails again, the details help.")
    if short in _NETWORK:
        return _("The store could not be reached in time: retry in a few minutes.")
    if short in ("JSONDecodeError", "ValueError", "KeyError", "TypeError"):
        return _("The delivery could not be read as the platform describes it.")
    return _("It could not be handled: the details below say why.")


def _details(name: str, message: str) -> str:
    text = _BACKGROUND.sub("", _SQL_PARTS.sub("", message))
    text = _PHONE.sub("[…]", _EMAIL.sub("[e-mail]", text))
    text = re.sub(r"\s+\n|\n{2,}", "\n", text).strip()
    if len(text) > DETAILS_SHOWN:
        text = text[:DETAILS_SHOWN].rstrip() + "…"
    return f"{name}: {text}" if name else text
