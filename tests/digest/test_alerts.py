"""Alerts to the owner when a key result's status drops: one e-mail per key result and week
(real SMTP server), in the owner's language, none for a rise, one for checks racing; the
dashboard shows the drop with or without e-mail."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from email.header import decode_header, make_header

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.digest.alerts import records
from app.digest.alerts.models import KeyResultAlert
from app.digest.alerts.service import check_shop
from app.digest.alerts.tasks import sweep_alerts
from app.digest.models import DigestSettings
from app.errors import ServiceUnavailable
from app.messaging.models import MessagingSettings
from app.okr.health import Health
from app.okr.models import Cycle, KeyResult, Objective, ObjectiveKind, Source
from app.okr.scoring import KRType
from app.okr.service import today_for
from app.runtime import Runtime
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from app.worker.execution import execute
from tests.fixtures.mail import Inbox
from tests.fixtures.network import free_port
from tests.fixtures.objects import create_shop
from tests.fixtures.stores import PUBLIC_URL, Connected
from tests.initiatives.test_recovery import parts
from tests.webhooks.helpers import install

OWNER = "owner@alpine.example"


def mailing(connected: Connected, port: int) -> Runtime:
    settings = connected.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
    )
    runtime: Runtime = replace(connected.app.state.runtime, settings=settings)
    return runtime


async def add_milestone(session: AsyncSession, shop: Shop, title: str, *, done: bool) -> int:
    """A milestone key result in a cycle running today: done it is on track, not done off
    track (app/okr/health.py). Its id."""
    today = today_for(shop)
    start, end = today - timedelta(days=30), today + timedelta(days=30)
    cycle = Cycle(shop_id=shop.id or 0, name="Now", start=start, end=end)
    session.add(cycle)
    await session.flush()
    objective = Objective(
        shop_id=shop.id or 0, cycle_id=cycle.id or 0, title="Launch", kind=ObjectiveKind.OTHER
    )
    session.add(objective)
    await session.flush()
    kr = KeyResult(
        shop_id=shop.id or 0, objective_id=objective.id or 0, title=title, source=Source.MANUAL,
        kr_type=KRType.MILESTONE, done=done,
    )  # fmt: skip
    session.add(kr)
    await session.flush()
    return kr.id or 0


async def shop_with_milestone(runtime: Runtime, *, done: bool = True) -> tuple[int, int]:
    """A shop with its owner's address and a milestone key result. (shop id, key result id)"""
    async with runtime.transaction() as session:
        shop = await create_shop(session, email=OWNER, name="Alpine")
        return shop.id or 0, await add_milestone(session, shop, "New shop front live", done=done)


@dataclass(frozen=True)
class Watched:
    """A shop whose milestone key result the alerts have seen once (nothing to compare yet)."""

    inbox: Inbox
    runtime: Runtime
    shop_id: int
    kr_id: int


async def watched(connected: Connected, smtp: tuple[Inbox, int], *, done: bool = True) -> Watched:
    inbox, port = smtp
    runtime = mailing(connected, port)
    shop_id, kr_id = await shop_with_milestone(runtime, done=done)
    assert await check_shop(runtime, shop_id) == []  # first seen: nothing to compare with
    return Watched(inbox, runtime, shop_id, kr_id)


async def mark(runtime: Runtime, kr_id: int, *, done: bool) -> None:
    async with runtime.transaction() as session:
        kr = await session.get(KeyResult, kr_id)
        assert kr is not None
        kr.done = done


async def test_a_drop_sends_one_email_in_the_owners_language(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    shop = await watched(connected, smtp_server)
    async with shop.runtime.transaction() as session:
        session.add(DigestSettings(shop_id=shop.shop_id, locale="de"))

    await mark(shop.runtime, shop.kr_id, done=False)
    [drop] = await check_shop(shop.runtime, shop.shop_id)
    assert await check_shop(shop.runtime, shop.shop_id) == []  # the same status again

    assert (drop.before, drop.after) == (Health.ON_TRACK, Health.OFF_TRACK)
    [message] = shop.inbox.messages
    assert message["To"] == OWNER
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == "Alpine: Der Status eines Schlüsselergebnisses ist gefallen"
    text, _html = parts(message)
    assert "„New shop front live“ ist von Im Plan auf Nicht im Plan gefallen." in text
    assert f"{PUBLIC_URL}/admin/email-settings" in text


async def test_a_second_drop_in_the_same_week_sends_nothing(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    shop = await watched(connected, smtp_server)

    for done in (False, True, False):  # drop, rise, drop again
        await mark(shop.runtime, shop.kr_id, done=done)
        await check_shop(shop.runtime, shop.shop_id)

    assert len(shop.inbox.messages) == 1


async def test_a_drop_in_a_later_week_is_told_again(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    shop = await watched(connected, smtp_server)
    for done in (False, True):  # told, then back on track
        await mark(shop.runtime, shop.kr_id, done=done)
        await check_shop(shop.runtime, shop.shop_id)
    async with shop.runtime.transaction() as session:  # the alert was a week ago
        row = await session.get(KeyResultAlert, shop.kr_id)
        assert row is not None
        assert row.alerted_week is not None
        row.alerted_week -= timedelta(days=7)

    await mark(shop.runtime, shop.kr_id, done=False)
    await check_shop(shop.runtime, shop.shop_id)

    assert len(shop.inbox.messages) == 2


async def test_a_rise_sends_nothing(connected: Connected, smtp_server: tuple[Inbox, int]) -> None:
    shop = await watched(connected, smtp_server, done=False)

    await mark(shop.runtime, shop.kr_id, done=True)

    assert await check_shop(shop.runtime, shop.shop_id) == []
    assert shop.inbox.messages == []


async def test_checks_racing_over_one_drop_send_one_email(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    shop = await watched(connected, smtp_server)
    await mark(shop.runtime, shop.kr_id, done=False)

    told = await asyncio.gather(*(check_shop(shop.runtime, shop.shop_id) for _ in range(4)))

    assert sorted(len(drops) for drops in told) == [0, 0, 0, 1]
    assert len(shop.inbox.messages) == 1


async def test_alerts_switched_off_send_nothing(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    shop = await watched(connected, smtp_server)
    async with shop.runtime.transaction() as session:
        session.add(MessagingSettings(shop_id=shop.shop_id, owner_alerts=False))

    await mark(shop.runtime, shop.kr_id, done=False)

    assert await check_shop(shop.runtime, shop.shop_id) == []
    assert shop.inbox.messages == []


async def test_at_risk_then_off_track_is_one_drop_after_another() -> None:
    assert records.is_drop(Health.ON_TRACK, Health.AT_RISK)
    assert records.is_drop(Health.AT_RISK, Health.OFF_TRACK)
    assert not records.is_drop(Health.OFF_TRACK, Health.AT_RISK)
    assert not records.is_drop(Health.AT_RISK, Health.AT_RISK)
    assert records.week_of(date(2026, 12, 3)) == date(2026, 11, 30)  # a Thursday's Monday


async def test_without_email_the_dashboard_still_shows_the_drop(connected: Connected) -> None:
    runtime: Runtime = connected.app.state.runtime
    assert not runtime.settings.smtp_host
    shop = await install(connected, "drops.myshopify.com")
    async with runtime.transaction() as session:
        row = await session.get(Shop, shop.id)
        assert row is not None
        kr_id = await add_milestone(session, row, "Shop <front> live", done=True)
        link = await create_login_link(session, runtime.settings, row)
    await check_shop(runtime, shop.id or 0)
    await mark(runtime, kr_id, done=False)
    assert await check_shop(runtime, shop.id or 0) == []  # no e-mail configured

    await connected.client.get(link.removeprefix(PUBLIC_URL))
    page = await connected.client.get("/", params={"locale": "es"})

    assert page.status_code == 200
    notice = re.search(r'data-testid="status-drops".*?</section>', page.text, re.S)
    assert notice is not None
    assert "Shop &lt;front&gt; live" in notice.group(0)
    assert "En buen camino" in notice.group(0)
    assert "Desviado" in notice.group(0)
    assert f'href="/admin/key-results/{kr_id}"' in notice.group(0)


async def test_the_hourly_sweep_tells_a_drop(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    shop = await watched(connected, smtp_server)
    await mark(shop.runtime, shop.kr_id, done=False)

    await execute(shop.runtime, sweep_alerts, (), {}, attempt=1, job_id=None)

    assert [message["To"] for message in shop.inbox.messages] == [OWNER]


async def test_an_email_the_server_did_not_take_is_sent_by_a_later_check(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    shop = await watched(connected, smtp_server)
    await mark(shop.runtime, shop.kr_id, done=False)
    nobody_listens = mailing(connected, free_port())

    with pytest.raises(ServiceUnavailable):
        await check_shop(nobody_listens, shop.shop_id)

    async with shop.runtime.transaction() as session:
        row = await session.get(KeyResultAlert, shop.kr_id)
        assert row is not None
        assert row.alerted_week is None
        assert row.dropped_from == Health.ON_TRACK  # still noted: the dashboard shows it
    [drop] = await check_shop(shop.runtime, shop.shop_id)  # the server is back
    assert (drop.before, drop.after) == (Health.ON_TRACK, Health.OFF_TRACK)
    assert len(shop.inbox.messages) == 1
