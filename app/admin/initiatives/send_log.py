"""The marketing send log as a merchant reads it: what happened to each message, and why one
was not sent, in a sentence in the page's language (never the stored reason's code)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.admin.formats import moment
from app.admin.i18n import gettext as _
from app.admin.i18n import ngettext
from app.messaging.models import MarketingSend, SendStatus, SkipReason


@dataclass(frozen=True)
class SendRow:
    step: int
    at: datetime  # the latest change of the row
    status: SendStatus
    sentence: str


def send_row(send: MarketingSend, timezone: str) -> SendRow:
    return SendRow(send.step, send.updated_at, send.status, sentence(send, timezone))


def sentence(send: MarketingSend, timezone: str) -> str:
    """What happened to the message, and why, in the page's language."""
    match send.status:
        case SendStatus.SENT:
            return _("Sent.")
        case SendStatus.SENDING:
            return _("Handed to the mail server.")
        case SendStatus.DEFERRED:
            return _(
                "Waiting for the end of the quiet hours in the shop's time zone: it goes out "
                "at %(when)s."
            ) % {"when": moment(send.deferred_until, timezone, "short")}
        case SendStatus.FAILED:
            return failure_sentence(send)
    return skip_sentence(send.reason)


def skip_sentence(reason: str | None) -> str:
    match reason:
        case SkipReason.CONSENT:
            return _("Not sent: the customer has not agreed to receive marketing e-mails.")
        case SkipReason.UNSUBSCRIBED:
            return _("Not sent: the customer unsubscribed from the shop's marketing e-mails.")
        case SkipReason.CAP:
            return _(
                "Not sent: the customer already had a marketing e-mail from the shop in the last "
                "24 hours (the next step still goes out)."
            )
        case SkipReason.ALREADY_BOUGHT:
            return _("Not sent: the customer has already bought.")
        case SkipReason.NO_RECOVERY_LINK:
            return _(
                "Not sent: this checkout cannot be opened again from a link (the store gives "
                "none, or a line of its cart names no product)."
            )
        case SkipReason.NO_ADDRESS:
            return _("Not sent: the checkout has no e-mail address.")
        case SkipReason.SMTP_ERROR:
            return _("Not sent: the mail server could not be reached or refused the message.")
        case SkipReason.NOT_PREPARED:
            return _("Not sent: the e-mail could not be prepared.")
    return _("Not sent.")


def failure_sentence(send: MarketingSend) -> str:
    """Why a message failed (it may still be tried again), and how often it was tried."""
    tries = max(send.attempts, 1)
    if send.reason == SkipReason.NOT_PREPARED:
        return ngettext(
            "Not sent: the e-mail could not be prepared, for example because the store did not "
            "create the customer's discount code (tried %(num)d time).",
            "Not sent: the e-mail could not be prepared, for example because the store did not "
            "create the customer's discount code (tried %(num)d times).",
            tries,
        ) % {"num": tries}
    return ngettext(
        "Not sent: the mail server could not be reached or refused the message (tried "
        "%(num)d time).",
        "Not sent: the mail server could not be reached or refused the message (tried "
        "%(num)d times).",
        tries,
    ) % {"num": tries}
