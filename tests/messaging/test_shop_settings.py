"""A shop's messaging settings applied by `send_marketing`, through a real SMTP server and real
PostgreSQL: its frequency cap decides skip or send, its quiet hours (off, or its own window)
defer in its time zone, and its sender name and reply-to are on the message. Every moment is
a fixed date built in the test."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from email.utils import parseaddr

import pytest

from app.messaging.email import Email
from app.messaging.marketing import Marketing, SendResult, send_marketing
from app.messaging.models import SendStatus, SkipReason
from app.messaging.shop_settings import (
    Choice,
    Problem,
    SettingsRefused,
    messaging_of,
    problems,
    read_clock,
    save,
    stored,
)
from app.runtime import Runtime
from tests.fixtures.mail import Inbox
from tests.fixtures.objects import create_shop
from tests.fixtures.stores import Connected

NEW_YORK = "America/New_York"
LENA = "lena@example.com"
# Tuesday 10 March 2026 (New York on summer time since the 8th: UTC-4).
MORNING_THERE = datetime(2026, 3, 10, 13, tzinfo=UTC)  # 09:00
LATE_EVENING_THERE = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)  # 23:30 on the 10th
SMALL_HOURS_THERE = datetime(2026, 3, 11, 6, 30, tzinfo=UTC)  # 02:30 on the 11th


def choice(**changes: object) -> Choice:
    defaults = Choice(
        sender_name="",
        reply_to="",
        frequency_cap_hours=24,
        quiet_hours=True,
        quiet_start="21:00",
        quiet_end="08:00",
    )
    return replace(defaults, **changes)  # type: ignore[arg-type]


def mailing(connected: Connected, port: int) -> Runtime:
    settings = connected.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
    )
    runtime: Runtime = replace(connected.app.state.runtime, settings=settings)
    return runtime


async def shop_with(runtime: Runtime, settings: Choice | None = None) -> int:
    """A shop in New York named "Alpine Outfitters", with its messaging settings saved."""
    async with runtime.transaction() as session:
        shop = await create_shop(
            session, name="Alpine Outfitters", email="owner@alpine.example", timezone=NEW_YORK
        )
        assert shop.id is not None
        if settings is not None:
            await save(session, shop.id, settings)
        return shop.id


async def send(
    runtime: Runtime, shop_id: int, initiative_id: int, now: datetime, address: str = LENA
) -> SendResult:
    message = Marketing(
        shop_id=shop_id,
        initiative_id=initiative_id,
        subject="checkout:abc",
        step=1,
        address=address,
        timezone=NEW_YORK,
        language="en",
        consent=True,
        consent_required=True,
    )

    async def render(send_id: int, unsubscribe: str) -> Email:
        return Email(to="", subject="Your cart", text=f"Still thinking? {unsubscribe}")

    return await send_marketing(runtime, message, render, now=now)


@pytest.mark.parametrize(
    ("cap_hours", "second"), [(8, SendStatus.SENDING), (24, SendStatus.SKIPPED)]
)
async def test_the_shops_cap_decides_whether_a_second_initiative_may_write_ten_hours_later(
    connected: Connected,
    smtp_server: tuple[Inbox, int],
    cap_hours: int,
    second: SendStatus,
) -> None:
    inbox, port = smtp_server
    runtime = mailing(connected, port)
    shop_id = await shop_with(runtime, choice(frequency_cap_hours=cap_hours))

    first = await send(runtime, shop_id, 1, MORNING_THERE)
    later = await send(runtime, shop_id, 2, MORNING_THERE + timedelta(hours=10))  # 19:00

    assert first.status is SendStatus.SENDING
    assert later.status is second
    assert later.reason is (SkipReason.CAP if second is SendStatus.SKIPPED else None)
    assert len(inbox.messages) == (2 if second is SendStatus.SENDING else 1)


async def test_without_settings_the_cap_is_a_day(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    runtime = mailing(connected, port)
    shop_id = await shop_with(runtime)

    await send(runtime, shop_id, 1, MORNING_THERE)
    skipped = await send(runtime, shop_id, 2, MORNING_THERE + timedelta(hours=23))  # 08:00
    sent = await send(runtime, shop_id, 3, MORNING_THERE + timedelta(hours=24, seconds=1))

    assert (skipped.status, skipped.reason) == (SendStatus.SKIPPED, SkipReason.CAP)
    assert sent.status is SendStatus.SENDING
    assert len(inbox.messages) == 2


async def test_default_quiet_hours_hold_a_late_evening_message_until_eight_there(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    runtime = mailing(connected, port)
    shop_id = await shop_with(runtime)

    result = await send(runtime, shop_id, 1, LATE_EVENING_THERE)

    assert result.status is SendStatus.DEFERRED
    assert result.deferred_until == datetime(2026, 3, 11, 12, tzinfo=UTC)  # 08:00 there
    assert inbox.messages == []


async def test_quiet_hours_switched_off_send_late_in_the_evening(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    runtime = mailing(connected, port)
    shop_id = await shop_with(runtime, choice(quiet_hours=False))

    result = await send(runtime, shop_id, 1, LATE_EVENING_THERE)

    assert result.status is SendStatus.SENDING
    assert len(inbox.messages) == 1


async def test_a_custom_window_defers_inside_it_and_sends_outside_it(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    runtime = mailing(connected, port)
    shop_id = await shop_with(runtime, choice(quiet_start="01:00", quiet_end="06:00"))

    evening = await send(runtime, shop_id, 1, LATE_EVENING_THERE)  # 23:30: outside
    # Another customer (Lena's cap holds her next message for a day): 02:30 is inside.
    night = await send(runtime, shop_id, 2, SMALL_HOURS_THERE, address="ben@example.com")

    assert evening.status is SendStatus.SENDING
    assert night.status is SendStatus.DEFERRED
    assert night.deferred_until == datetime(2026, 3, 11, 10, tzinfo=UTC)  # 06:00 there
    assert len(inbox.messages) == 1


async def test_the_message_comes_from_the_shops_sender_name_with_its_reply_to(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    runtime = mailing(connected, port)
    chosen = choice(sender_name="Lena at Alpine", reply_to="Hello@Alpine.example")
    shop_id = await shop_with(runtime, chosen)

    await send(runtime, shop_id, 1, MORNING_THERE)

    [message] = inbox.messages
    name, address = parseaddr(str(message["From"]))
    assert name == "Lena at Alpine"
    assert address == parseaddr(runtime.settings.smtp_from)[1]
    assert message["Reply-To"] == "Hello@alpine.example"  # the domain normalised


async def test_without_settings_the_message_comes_from_the_shops_name_and_address(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    runtime = mailing(connected, port)
    shop_id = await shop_with(runtime)

    await send(runtime, shop_id, 1, MORNING_THERE)

    [message] = inbox.messages
    assert parseaddr(str(message["From"]))[0] == "Alpine Outfitters"
    assert message["Reply-To"] == "owner@alpine.example"


async def test_the_shops_own_name_is_saved_as_the_shops_so_it_follows_a_rename(
    connected: Connected,
) -> None:
    runtime: Runtime = connected.app.state.runtime
    shop_id = await shop_with(
        runtime, choice(sender_name="Alpine Outfitters", reply_to="OWNER@alpine.example")
    )
    async with runtime.transaction() as session:
        row = await stored(session, shop_id)
        messaging = await messaging_of(session, shop_id)

    assert (row.sender_name, row.reply_to) == (None, None)
    assert (messaging.sender_name, messaging.reply_to) == (
        "Alpine Outfitters",
        "owner@alpine.example",
    )
    assert not messaging.custom_sender_name


async def test_a_refused_choice_saves_nothing(connected: Connected) -> None:
    runtime: Runtime = connected.app.state.runtime
    shop_id = await shop_with(runtime, choice(frequency_cap_hours=12))

    with pytest.raises(SettingsRefused) as refused:
        async with runtime.transaction() as session:
            await save(session, shop_id, choice(frequency_cap_hours=7, sender_name="Shop"))
    async with runtime.transaction() as session:
        messaging = await messaging_of(session, shop_id)

    assert refused.value.problems == {"frequency_cap_hours": Problem.CAP}
    assert refused.value.details["fields"]["frequency_cap_hours"].startswith("Choose a whole")
    assert (messaging.frequency_cap_hours, messaging.sender_name) == (12, "Alpine Outfitters")


def test_each_wrong_field_is_named_once() -> None:
    wrong = choice(
        sender_name="Alpine\r\nBcc: everyone@example.com",
        reply_to="not an address",
        frequency_cap_hours=169,
        quiet_start="24:00",
        quiet_end="8",
    )
    assert problems(wrong) == {
        "sender_name": Problem.SENDER_NAME,
        "reply_to": Problem.REPLY_TO,
        "frequency_cap_hours": Problem.CAP,
        "quiet_start": Problem.CLOCK,
        "quiet_end": Problem.CLOCK,
    }
    assert problems(choice(sender_name="x" * 101)) == {"sender_name": Problem.SENDER_NAME}
    assert problems(choice(frequency_cap_hours=None)) == {"frequency_cap_hours": Problem.CAP}


def test_limits_and_an_empty_window() -> None:
    assert problems(choice(frequency_cap_hours=8)) == {}
    assert problems(choice(frequency_cap_hours=168)) == {}
    assert problems(choice(sender_name="x" * 100, reply_to="a@b.example")) == {}
    assert problems(choice(quiet_start="22:00", quiet_end="22:00")) == {
        "quiet_end": Problem.EMPTY_WINDOW
    }
    # Switched off, a window that could never be quiet is no problem.
    assert problems(choice(quiet_hours=False, quiet_start="22:00", quiet_end="22:00")) == {}


def test_a_clock_is_read_as_hours_and_minutes() -> None:
    assert read_clock("07:45") == time(7, 45)
    assert read_clock(" 23:59 ") == time(23, 59)
    for wrong in ("7:45", "24:00", "12:60", "12:00:00", "٠٧:٤٥", ""):
        assert read_clock(wrong) is None
