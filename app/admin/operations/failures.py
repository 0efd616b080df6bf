"""A failed webhook's or sync's error as the Operations page says it: a sentence in the page's
language saying what kind of thing went wrong and what to do. Nothing of the stored error
itself is shown — no exception name, SQL or customer's data (ARCHITECTURE rule 15): the page
gives a reference instead, and the operator reads the whole stored error in the logs and the
JSON API (`GET /api/v1/webhook-events/{id}`, `GET /api/v1/syncs/{id}`)."""

from __future__ import annotations

import re

from app.admin.i18n import gettext as _

# The stored error is "ExceptionName: message" (app/webhooks/service.py `record_failure`,
# app/ingest/sync.py `_fail`).
_NAMED = re.compile(r"^(?P<name>[A-Za-z_][\w.]*): (?P<message>.*)$", re.S)
_CURRENCY = re.compile(r"order in (?P<order>[A-Z]{3}), the store's currency is (?P<shop>[A-Z]{3})")
_DATABASE = ("DBAPIError", "IntegrityError", "DataError", "ProgrammingError", "OperationalError",
             "InterfaceError", "PostgresError", "UniqueViolationError", "sqlite3")  # fmt: skip
_NETWORK = ("ConnectError", "ConnectTimeout", "ReadTimeout", "TimeoutException",
            "HTTPStatusError", "RemoteProtocolError", "StoreUnavailable", "TimeoutError",
            "ConnectionError")  # fmt: skip
_UNREADABLE = ("JSONDecodeError", "ValueError", "KeyError", "TypeError")


def what_went_wrong(stored: str) -> str:
    """The stored error said to a merchant: its kind, and what they can do about it."""
    named = _NAMED.match(stored.strip())
    name, message = (named["name"], named["message"]) if named else ("", stored)
    short = name.rsplit(".", 1)[-1]
    if currency := _CURRENCY.search(message):
        return _(
            "The order is in %(order)s but this shop is set to %(shop)s: correct the shop's "
            "currency, then retry."
        ) % {"order": currency["order"], "shop": currency["shop"]}
    if short == "NormalisationError":
        return _("The store sent data StoreOKR could not read: retry once the store is updated.")
    if short in _DATABASE or "[SQL:" in message:
        return _(
            "The database did not store it: retry; if it fails again, give the reference to "
            "whoever runs StoreOKR."
        )
    if short in _NETWORK:
        return _("The store could not be reached in time: retry in a few minutes.")
    if short in _UNREADABLE:
        return _(
            "The store's data could not be read as the platform describes it: give the "
            "reference to whoever runs StoreOKR."
        )
    return _(
        "It could not be handled: retry; if it fails again, give the reference to whoever "
        "runs StoreOKR."
    )
