"""A shop's messaging settings: the sender name and reply-to address of its marketing e-mails,
the frequency cap shared by all its initiatives, its quiet hours (shop-local), and whether its
owner is e-mailed when a key result's status drops (`app.digest.alerts`).

One row per shop (`messaging_settings`); a shop without one has the defaults: its own name and
e-mail address, one marketing e-mail per address per 24 h, quiet from 21:00 to 08:00. The
shop's name and address are read from `shops` by table name: messaging is infrastructure and
imports no feature. A sender name or reply-to equal to the shop's own is stored as "the
shop's", so that it follows a change of the shop's name or address.

`problems` checks a choice and names each wrong field with a `Problem`; the JSON API says it in
English (`SettingsRefused`), the admin in the page's language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Unprocessable
from app.messaging.models import MessagingSettings
from app.messaging.rules import QUIET_END, QUIET_START

# PLATFORMS.md, "Messaging norms": marketing e-mails 8–24 h apart; a shop may space them wider,
# up to a week.
MIN_CAP_HOURS, MAX_CAP_HOURS, DEFAULT_CAP_HOURS = 8, 168, 24
MAX_SENDER_NAME = 100
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)", re.ASCII)
# A line break in a display name would start a header of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Problem(StrEnum):
    SENDER_NAME = "sender_name"  # too long, or holds a line break
    REPLY_TO = "reply_to"  # not an e-mail address
    CAP = "frequency_cap_hours"  # not a whole number of hours in range
    CLOCK = "clock"  # not a time of day as HH:MM
    EMPTY_WINDOW = "empty_window"  # quiet hours that start when they end


ENGLISH = {
    Problem.SENDER_NAME: (
        f"Use at most {MAX_SENDER_NAME} characters on one line, or leave it empty for the "
        "shop's name."
    ),
    Problem.REPLY_TO: "Enter an e-mail address, or leave it empty for the shop's address.",
    Problem.CAP: f"Choose a whole number of hours from {MIN_CAP_HOURS} to {MAX_CAP_HOURS}.",
    Problem.CLOCK: "Enter a time of day as HH:MM, for example 21:00.",
    Problem.EMPTY_WINDOW: "Quiet hours must end at another time than they start.",
}


class SettingsRefused(Unprocessable):
    """A choice with wrong fields: one English sentence per field (`details.fields`), and the
    problems themselves for a page that says them in its own language."""

    def __init__(self, problems: dict[str, Problem]) -> None:
        fields = {name: ENGLISH[problem] for name, problem in problems.items()}
        summary = "; ".join(f"{name}: {why}" for name, why in fields.items())
        super().__init__(summary, details={"fields": fields})
        self.problems = problems


@dataclass(frozen=True)
class Choice:
    """What the merchant chose, as typed: empty sender name / reply-to mean "the shop's"."""

    sender_name: str
    reply_to: str
    frequency_cap_hours: int | None  # None: not a whole number
    quiet_hours: bool
    quiet_start: str  # HH:MM
    quiet_end: str
    owner_alerts: bool = True  # e-mail the owner when a key result's status drops


@dataclass(frozen=True)
class Messaging:
    """A shop's settings as they apply: the shop's own name and address filled in."""

    sender_name: str | None  # None: the configured sender's own name
    reply_to: str | None  # None: no Reply-To
    frequency_cap_hours: int
    quiet_hours: bool
    quiet_start: time  # kept while quiet hours are off, for when they are switched on again
    quiet_end: time
    custom_sender_name: bool  # a name of the merchant's, not the shop's
    custom_reply_to: bool
    owner_alerts: bool = True

    @property
    def cap(self) -> timedelta:
        return timedelta(hours=self.frequency_cap_hours)

    @property
    def quiet(self) -> tuple[time, time] | None:
        """The quiet window, None when quiet hours are off."""
        return (self.quiet_start, self.quiet_end) if self.quiet_hours else None


def read_clock(typed: str) -> time | None:
    match = _CLOCK.fullmatch(typed.strip())
    return time(int(match[1]), int(match[2])) if match else None


def clock(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def problems(choice: Choice) -> dict[str, Problem]:
    """Each wrong field of `choice` and what is wrong with it; empty when it can be saved."""
    found: dict[str, Problem] = {}
    name = choice.sender_name.strip()
    if len(name) > MAX_SENDER_NAME or _CONTROL.search(name):
        found["sender_name"] = Problem.SENDER_NAME
    if choice.reply_to.strip() and _address(choice.reply_to) is None:
        found["reply_to"] = Problem.REPLY_TO
    cap = choice.frequency_cap_hours
    if cap is None or not MIN_CAP_HOURS <= cap <= MAX_CAP_HOURS:
        found["frequency_cap_hours"] = Problem.CAP
    start, end = read_clock(choice.quiet_start), read_clock(choice.quiet_end)
    if start is None:
        found["quiet_start"] = Problem.CLOCK
    if end is None:
        found["quiet_end"] = Problem.CLOCK
    if choice.quiet_hours and start is not None and start == end:
        found["quiet_end"] = Problem.EMPTY_WINDOW
    return found


async def stored(session: AsyncSession, shop_id: int) -> MessagingSettings:
    """The shop's row, or the defaults (not stored until saved)."""
    return await session.get(MessagingSettings, shop_id) or MessagingSettings(shop_id=shop_id)


async def messaging_of(session: AsyncSession, shop_id: int) -> Messaging:
    """The shop's settings as they apply now."""
    row = await stored(session, shop_id)
    shop_name, shop_address = await _shop_defaults(session, shop_id)
    return Messaging(
        sender_name=row.sender_name or shop_name or None,
        reply_to=row.reply_to or shop_address or None,
        frequency_cap_hours=row.frequency_cap_hours,
        quiet_hours=row.quiet_hours,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        custom_sender_name=row.sender_name is not None,
        custom_reply_to=row.reply_to is not None,
        owner_alerts=row.owner_alerts,
    )


async def save(session: AsyncSession, shop_id: int, choice: Choice) -> Messaging:
    """Store `choice`, or raise SettingsRefused naming each wrong field (nothing is stored)."""
    wrong = problems(choice)
    if wrong:
        raise SettingsRefused(wrong)
    shop_name, shop_address = await _shop_defaults(session, shop_id)
    row = await stored(session, shop_id)
    name = choice.sender_name.strip()
    address = _address(choice.reply_to) if choice.reply_to.strip() else None
    row.sender_name = name if name and name != shop_name else None
    same_address = address and shop_address and address.lower() == shop_address.lower()
    row.reply_to = None if same_address else address
    assert choice.frequency_cap_hours is not None  # checked above
    row.frequency_cap_hours = choice.frequency_cap_hours
    row.quiet_hours = choice.quiet_hours
    row.quiet_start = read_clock(choice.quiet_start) or QUIET_START
    row.quiet_end = read_clock(choice.quiet_end) or QUIET_END
    row.owner_alerts = choice.owner_alerts
    session.add(row)
    await session.flush()
    return await messaging_of(session, shop_id)


def _address(typed: str) -> str | None:
    try:
        return validate_email(typed.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


_SHOP = text("SELECT name, email FROM shops WHERE id = :shop_id")


async def _shop_defaults(session: AsyncSession, shop_id: int) -> tuple[str, str | None]:
    row = (await session.exec(_SHOP, params={"shop_id": shop_id})).first()  # type: ignore[call-overload]
    return (row[0] or "", row[1]) if row is not None else ("", None)
