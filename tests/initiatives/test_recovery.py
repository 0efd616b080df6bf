"""Abandoned-checkout recovery end to end: real webhooks into the mirror, the abandonment sweep,
the recovery sweep and its jobs, a real SMTP server, real PostgreSQL."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal
from email.message import Message
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import delete

from app.commerce.models import Order
from app.db import utcnow
from app.initiatives import recovery
from app.initiatives.models import EnrollmentStatus, RecoveryEnrollment
from app.integrations.events import OrderState
from app.messaging.models import SendStatus
from app.messaging.tracking import read_click
from tests.initiatives.helpers import Store, zone_at

LENA = "lena.hoffmann@example.com"


def parts(message: Message) -> tuple[str, str]:
    """The plain-text and HTML bodies."""
    found = {}
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            body = part.get_payload(decode=True)
            assert isinstance(body, bytes)
            found[part.get_content_type()] = body.decode(part.get_content_charset() or "utf-8")
    return found["text/plain"], found["text/html"]


async def test_step_one_carries_the_cart_the_link_and_one_click_unsubscribe(store: Store) -> None:
    await store.recovery()
    token = await store.abandon()

    await store.sweep()

    [message] = store.inbox.messages
    [send] = await store.sends()
    assert message["To"] == LENA
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(message["List-Unsubscribe"])
    assert unsubscribe.startswith("<https://storeokr.test/u/")
    assert unsubscribe.endswith(">")
    assert LENA not in unsubscribe  # the token names no address
    text, html = parts(message)
    link = f"https://shop.example/checkouts/{token}/recover?key=k1&storeokr={send.id}"
    for body in (text, html):
        assert "Lena" in body
        assert "Packable Rain Shell – M" in body
        assert "Merino Trail Socks – 42-44" in body
        assert "€129.00" in body
        assert "€19.90" in body
    # The link goes through our signed click redirect, which names the recovery link.
    [wrapped] = re.findall(r"https://storeokr\.test/m/c/[A-Za-z0-9._-]+", text)
    assert wrapped in html
    click = read_click(store.runtime.settings, wrapped.rsplit("/", 1)[1])
    assert click is not None
    assert click.destination == link
    assert (click.shop_id, click.send_id) == (store.shop_id, send.id)
    assert send.status is SendStatus.SENT
    assert send.step == 1
    [enrollment] = await store.enrollments(token)
    assert enrollment.next_step == 2
    assert enrollment.status is EnrollmentStatus.ACTIVE


async def test_a_purchase_before_step_two_means_step_two_is_never_sent(store: Store) -> None:
    await store.recovery()
    token = await store.abandon()
    await store.sweep()
    assert len(store.inbox.messages) == 1

    await store.buy(token)

    [enrollment] = await store.enrollments(token)
    assert enrollment.status is EnrollmentStatus.CONVERTED
    assert enrollment.attributed  # within the attribution window after our message
    # When step two's time comes, nothing is due and its job, run anyway, sends nothing.
    later = utcnow() + timedelta(days=2)
    async with store.runtime.transaction() as session:
        assert await recovery.due_steps(session, later) == []
        assert enrollment.id is not None
        await recovery.send_step(store.runtime, session, enrollment.id, 2, later)
    assert len(store.inbox.messages) == 1
    assert len(await store.sends()) == 1


async def test_an_order_the_subscribers_missed_is_found_at_send_time(store: Store) -> None:
    await store.recovery()
    token = await store.abandon()
    async with store.runtime.transaction() as session:  # an order seen by no subscriber
        now, money = utcnow(), Decimal("148.90")
        session.add(
            Order(
                shop_id=store.shop_id, platform_id="990001", name="#990001", placed_at=now,
                platform_updated_at=now, state=OrderState.OPEN, currency="EUR", gross=money,
                discounts=Decimal(0), shipping=Decimal(0), tax=Decimal(0), total=money,
                current_total=money, email=LENA.upper(),
            )
        )  # fmt: skip

    await store.sweep()

    assert store.inbox.messages == []
    [send] = await store.sends()
    assert (send.status, send.reason) == (SendStatus.SKIPPED, "already_bought")
    [enrollment] = await store.enrollments(token)
    assert (enrollment.status, enrollment.end_reason) == (
        EnrollmentStatus.STOPPED,
        "already_bought",
    )


async def test_the_same_sweep_run_twice_sends_one_copy(store: Store) -> None:
    await store.recovery()
    await store.abandon()

    await store.sweep()
    await store.sweep()
    [enrollment] = await store.enrollments()
    assert enrollment.id is not None
    await store.send(enrollment.id, 1)  # the step's job once more

    assert len(store.inbox.messages) == 1
    assert [send.status for send in await store.sends()] == [SendStatus.SENT]


async def test_a_job_retried_after_the_smtp_server_accepted_sends_one_copy(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.recovery()
    await store.abandon()
    [enrollment] = await store.enrollments()
    assert enrollment.id is not None
    advance, calls = recovery._advance, []

    def fails_once_after_the_send(*args: object) -> None:
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("the worker fell over after the SMTP server took the message")
        advance(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(recovery, "_advance", fails_once_after_the_send)

    with pytest.raises(RuntimeError):
        await store.send(enrollment.id, 1, attempt=1)
    assert len(store.inbox.messages) == 1  # accepted
    [held] = await store.enrollments()
    assert held.next_step == 1  # the job's own transaction rolled back
    await store.send(enrollment.id, 1, attempt=2)

    assert len(store.inbox.messages) == 1
    [send] = await store.sends()
    assert (send.status, send.attempts) == (SendStatus.SENT, 1)
    [done] = await store.enrollments()
    assert done.next_step == 2
    assert done.last_message_at is not None


async def test_an_address_unsubscribed_by_one_click_gets_nothing_more(store: Store) -> None:
    await store.recovery()
    await store.abandon()
    await store.sweep()
    [message] = store.inbox.messages
    path = urlsplit(str(message["List-Unsubscribe"]).strip("<>")).path

    page = await store.connected.client.get(path)
    assert page.status_code == 200
    assert "Do you want to stop receiving marketing e-mails" in page.text
    one_click = await store.connected.client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    assert "You are unsubscribed" in one_click.text
    second = await store.abandon()  # the same address, another cart
    await store.sweep()

    assert len(store.inbox.messages) == 1
    skipped = [send for send in await store.sends() if send.subject == f"checkout:{second}"]
    assert [(s.status, s.reason) for s in skipped] == [(SendStatus.SKIPPED, "unsubscribed")]


async def test_a_forged_unsubscribe_link_is_a_404_page(store: Store) -> None:
    answer = await store.connected.client.post(f"/u/{store.shop_id}.{'0' * 64}.en.{'A' * 43}")
    assert answer.status_code == 404
    assert "This unsubscribe link is not valid" in answer.text


async def test_a_customer_without_consent_gets_nothing(store: Store) -> None:
    await store.recovery()
    token = await store.abandon(consent=False)

    await store.sweep()

    assert store.inbox.messages == []
    [send] = await store.sends()
    assert (send.status, send.reason) == (SendStatus.SKIPPED, "consent")
    [enrollment] = await store.enrollments(token)
    assert (enrollment.status, enrollment.end_reason) == (EnrollmentStatus.STOPPED, "consent")


async def test_the_cap_holds_across_two_active_initiatives(store: Store) -> None:
    await store.recovery("Recover carts")
    await store.recovery("Recover carts, second opinion")
    await store.abandon()

    await store.sweep()

    assert len(store.inbox.messages) == 1
    outcomes = sorted((send.status.value, send.reason or "") for send in await store.sends())
    assert outcomes == [("sent", ""), ("skipped", "cap")]
    # Skipped, not rescheduled: both enrollments move on to step two.
    assert [e.next_step for e in await store.enrollments()] == [2, 2]


async def test_quiet_hours_defer_to_the_end_of_the_night_in_the_shops_zone(store: Store) -> None:
    zone = zone_at(23)
    await store.set_zone(zone)
    await store.recovery()
    await store.abandon()

    await store.sweep()

    assert store.inbox.messages == []
    [send] = await store.sends()
    assert (send.status, send.reason) == (SendStatus.DEFERRED, "quiet_hours")
    assert send.deferred_until is not None
    local = send.deferred_until.astimezone(ZoneInfo(zone))
    assert local.time() == time(8)
    assert timedelta(hours=8) < send.deferred_until - send.updated_at <= timedelta(hours=9)
    [enrollment] = await store.enrollments()
    assert enrollment.next_step == 1
    assert enrollment.next_due_at == send.deferred_until
    # At the end of the night the step goes out.
    async with store.runtime.transaction() as session:
        assert enrollment.id is not None
        await recovery.send_step(store.runtime, session, enrollment.id, 1, send.deferred_until)
    assert len(store.inbox.messages) == 1


async def test_the_sweep_enrolls_a_checkout_a_lost_subscriber_missed(store: Store) -> None:
    await store.recovery()
    token = await store.abandon()
    async with store.runtime.transaction() as session:  # as if the subscriber never ran
        await session.exec(delete(RecoveryEnrollment))

    await store.sweep()

    [enrollment] = await store.enrollments(token)
    assert enrollment.next_step == 2
    assert len(store.inbox.messages) == 1
