"""The weekly digest: settings saved through the page (checked, CSRF-guarded, per shop), and
the e-mail sent through a real SMTP server once a week, on the shop-local weekday and hour."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import Message

import httpx
import pytest

from app.digest import service
from app.digest.content import digest_email
from app.digest.models import DigestSettings
from app.digest.tasks import send_due
from app.messaging.email import Email
from app.okr.key_results import check_in
from app.okr.scorecard import Scorecard
from app.okr.service import today_for
from app.runtime import Runtime
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from tests.fixtures.mail import Inbox
from tests.fixtures.network import free_port
from tests.fixtures.objects import create_okr
from tests.fixtures.stores import PUBLIC_URL, Connected
from tests.webhooks.helpers import install

TITLE = 'Grow <b>"revenue"</b> & more'
# Monday 30 Nov 2026, 07:30 UTC: 08:30 in Berlin, 02:30 in New York.
MONDAY_MORNING = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
EVERY_MONDAY_AT_8 = {"weekday": "0", "hour": "8", "locale": "en", "enabled": "on"}


@dataclass
class SignedIn:
    shop: Shop
    csrf: str


async def sign_in(
    connected: Connected, domain: str, timezone: str = "Europe/Berlin", *, email: bool = True
) -> SignedIn:
    """A shop with this year's objective (a key result half-way: score 0.50), signed in; with
    `email`, the app has an e-mail server configured (where nothing listens: tests that send
    bring their own), so that the digest can be switched on."""
    if email:
        connected.app.state.runtime = mailing(connected, free_port())
    shop = await install(connected, domain)
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        shop = await session.get(Shop, shop.id) or shop
        shop.timezone = timezone
        cycle, objective, kr = await create_okr(session, shop.id or 0)
        today = today_for(shop)
        cycle.start, cycle.end = date(today.year, 1, 1), date(today.year, 12, 31)
        objective.title = TITLE
        await check_in(session, shop.id or 0, kr, {"value": Decimal("2.7")})
        link = await create_login_link(session, runtime.settings, shop)
    connected.client.cookies.clear()
    await connected.client.get(link.removeprefix(PUBLIC_URL))
    page = await connected.client.get("/admin/digest")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200
    assert token
    return SignedIn(shop, token.group(1))


async def save(connected: Connected, who: SignedIn, **fields: str) -> int:
    data = {"csrf_token": who.csrf, **fields}
    response = await connected.client.post("/admin/digest", data=data)
    return response.status_code


async def stored(connected: Connected, shop: Shop) -> DigestSettings | None:
    runtime: Runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        return await session.get(DigestSettings, shop.id)


def mailing(connected: Connected, port: int) -> Runtime:
    settings = connected.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
    )
    runtime: Runtime = replace(connected.app.state.runtime, settings=settings)
    return runtime


async def run_digests(runtime: Runtime, now: datetime) -> None:
    async with runtime.transaction() as session:
        await send_due(runtime, session, now)


async def send_now(connected: Connected, who: SignedIn, locale: str = "en") -> httpx.Response:
    return await connected.client.post(
        "/admin/digest/send-now",
        data={"csrf_token": who.csrf},
        headers={"X-StoreOKR-Locale": locale},
    )


async def move_last_test_back(connected: Connected, shop: Shop, by: timedelta) -> None:
    runtime: Runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        digest = await session.get(DigestSettings, shop.id)
        assert digest is not None
        assert digest.last_test_sent_at is not None
        digest.last_test_sent_at -= by


def part(message: Message, kind: str) -> str:
    [found] = [p for p in message.walk() if p.get_content_type() == kind]
    payload = found.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


async def test_a_due_digest_goes_once_to_each_recipient(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "digest.myshopify.com")
    recipients = "ana@example.com\nben@example.org\n"
    assert await save(connected, who, recipients=recipients, **EVERY_MONDAY_AT_8) == 303

    runtime = mailing(connected, port)
    await run_digests(runtime, MONDAY_MORNING)
    await run_digests(runtime, MONDAY_MORNING)  # a duplicated run
    await run_digests(runtime, MONDAY_MORNING.replace(hour=15))  # later the same day

    assert sorted(m["To"] for m in inbox.messages) == ["ana@example.com", "ben@example.org"]
    html, text = part(inbox.messages[0], "text/html"), part(inbox.messages[0], "text/plain")
    assert "Grow &lt;b&gt;&#34;revenue&#34;&lt;/b&gt; &amp; more" in html
    assert TITLE not in html
    assert "0.50" in html
    assert "At risk" in html
    assert 'class="chart"' in html
    assert 'width="50%"' in html
    assert f'href="{PUBLIC_URL}/"' in html
    assert TITLE in text
    assert "0.50" in text
    assert "At risk" in text
    assert "2.70" in text
    assert "target 2 " in text  # a whole target reads whole (#22)
    saved = await stored(connected, who.shop)
    assert saved is not None
    assert saved.last_sent_week == date(2026, 11, 30)


async def test_next_week_it_is_sent_again(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "weekly.myshopify.com")
    assert await save(connected, who, recipients="ana@example.com", **EVERY_MONDAY_AT_8) == 303

    runtime = mailing(connected, port)
    await run_digests(runtime, MONDAY_MORNING)
    await run_digests(runtime, MONDAY_MORNING + timedelta(days=7))

    assert len(inbox.messages) == 2


async def test_not_due_in_the_shops_time_zone_sends_nothing(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "newyork.myshopify.com", timezone="America/New_York")
    assert await save(connected, who, recipients="ana@example.com", **EVERY_MONDAY_AT_8) == 303
    runtime = mailing(connected, port)

    await run_digests(runtime, datetime(2026, 11, 30, 8, 30, tzinfo=UTC))  # 03:30 there
    await run_digests(runtime, datetime(2026, 12, 1, 13, 30, tzinfo=UTC))  # Tuesday 08:30
    assert inbox.messages == []

    # Tuesday 01:30 in UTC is still Monday (20:30) in New York: due there.
    await run_digests(runtime, datetime(2026, 12, 1, 1, 30, tzinfo=UTC))
    assert [m["To"] for m in inbox.messages] == ["ana@example.com"]


async def test_two_runs_at_once_send_it_once(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "twice.myshopify.com")
    assert await save(connected, who, recipients="ana@example.com", **EVERY_MONDAY_AT_8) == 303
    runtime = mailing(connected, port)

    await asyncio.gather(*(run_digests(runtime, MONDAY_MORNING) for _ in range(4)))

    assert [m["To"] for m in inbox.messages] == ["ana@example.com"]


async def test_a_disabled_digest_is_not_sent(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "off.myshopify.com")
    fields = {**EVERY_MONDAY_AT_8, "recipients": "ana@example.com"}
    del fields["enabled"]
    assert await save(connected, who, **fields) == 303

    await run_digests(mailing(connected, port), MONDAY_MORNING)

    assert inbox.messages == []


async def test_a_refused_send_leaves_the_week_for_a_later_run(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "retry.myshopify.com")
    assert await save(connected, who, recipients="ana@example.com", **EVERY_MONDAY_AT_8) == 303

    await run_digests(mailing(connected, free_port()), MONDAY_MORNING)  # nothing listens
    after_failure = await stored(connected, who.shop)
    await run_digests(mailing(connected, port), MONDAY_MORNING.replace(hour=9))

    assert after_failure is not None
    assert after_failure.last_sent_week is None
    assert [m["To"] for m in inbox.messages] == ["ana@example.com"]


async def test_a_digest_that_cannot_be_written_leaves_the_week_for_a_later_run(
    connected: Connected, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "broken.myshopify.com")
    recipients = "ana@example.com\nben@example.org"
    assert await save(connected, who, recipients=recipients, **EVERY_MONDAY_AT_8) == 303
    runtime = mailing(connected, port)

    def fails_for_ben(
        shop: Shop,
        card: Scorecard,
        to: str,
        dashboard_url: str,
        locale: str,
        unsubscribe_url: str,
        *,
        test: bool = False,
    ) -> Email:
        if to == "ben@example.org":
            raise RuntimeError("the template broke")
        return digest_email(shop, card, to, dashboard_url, locale, unsubscribe_url, test=test)

    with monkeypatch.context() as patch:
        patch.setattr(service, "digest_email", fails_for_ben)
        with pytest.raises(RuntimeError, match="the template broke"):
            await run_digests(runtime, MONDAY_MORNING)
    after_failure = await stored(connected, who.shop)
    sent_by_the_failed_run = len(inbox.messages)
    await run_digests(runtime, MONDAY_MORNING.replace(hour=9))

    assert after_failure is not None
    assert after_failure.last_sent_week is None
    assert sent_by_the_failed_run == 0
    assert sorted(m["To"] for m in inbox.messages) == ["ana@example.com", "ben@example.org"]


async def test_an_invalid_recipient_is_422_naming_it_and_nothing_is_saved(
    connected: Connected,
) -> None:
    who = await sign_in(connected, "typo.myshopify.com")
    assert await save(connected, who, recipients="ana@example.com", **EVERY_MONDAY_AT_8) == 303

    response = await connected.client.post(
        "/admin/digest",
        data={
            "csrf_token": who.csrf,
            **EVERY_MONDAY_AT_8,
            "hour": "9",
            "recipients": "ben@example.org\n<b>not-an-address</b>",
        },
    )

    assert response.status_code == 422
    assert "not an e-mail address: &lt;b&gt;not-an-address&lt;/b&gt;" in response.text
    assert 'aria-describedby="digest-recipients-error"' in response.text
    saved = await stored(connected, who.shop)
    assert saved is not None
    assert (saved.recipients, saved.hour) == ("ana@example.com", 8)


@pytest.mark.parametrize(
    ("field", "value"), [("weekday", "7"), ("hour", "24"), ("hour", "eight"), ("locale", "fr")]
)
async def test_an_out_of_range_choice_is_422(connected: Connected, field: str, value: str) -> None:
    who = await sign_in(connected, f"range-{field}-{value}.myshopify.com")

    status = await save(
        connected, who, recipients="ana@example.com", **{**EVERY_MONDAY_AT_8, field: value}
    )

    assert status == 422
    assert await stored(connected, who.shop) is None


async def test_posts_need_the_csrf_token(connected: Connected) -> None:
    who = await sign_in(connected, "csrf.myshopify.com")
    fields = {**EVERY_MONDAY_AT_8, "recipients": "ana@example.com"}

    saved = await connected.client.post("/admin/digest", data=fields)
    forged = await connected.client.post("/admin/digest", data={**fields, "csrf_token": "x"})
    sent = await connected.client.post("/admin/digest/send-now", data={})

    assert (saved.status_code, forged.status_code, sent.status_code) == (403, 403, 403)
    assert await stored(connected, who.shop) is None


async def test_saving_leaves_another_shops_settings_alone(connected: Connected) -> None:
    other = await sign_in(connected, "other.myshopify.com")
    assert await save(connected, other, recipients="olga@example.com", **EVERY_MONDAY_AT_8) == 303
    before = await stored(connected, other.shop)

    who = await sign_in(connected, "mine.myshopify.com")
    assert await save(connected, who, recipients="ana@example.com", weekday="4", hour="17") == 303
    page = await connected.client.get("/admin/digest")

    after = await stored(connected, other.shop)
    assert before is not None
    assert after is not None
    assert (after.recipients, after.weekday, after.hour, after.enabled) == (
        "olga@example.com",
        0,
        8,
        True,
    )
    assert "olga@example.com" not in page.text
    assert "ana@example.com" in page.text


async def test_send_now_mails_a_test_to_the_saved_list(
    connected: Connected, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "test-send.myshopify.com")
    fields = {**EVERY_MONDAY_AT_8, "recipients": "ana@example.com\nben@example.org"}
    assert await save(connected, who, **fields) == 303
    monkeypatch.setattr(connected.app.state, "runtime", mailing(connected, port))

    response = await connected.client.post(
        "/admin/digest/send-now", data={"csrf_token": who.csrf}, follow_redirects=True
    )

    assert response.status_code == 200
    assert "Test digest sent to 2 addresses." in response.text
    assert sorted(m["To"] for m in inbox.messages) == ["ana@example.com", "ben@example.org"]
    assert all(m["Subject"].startswith("[Test] ") for m in inbox.messages)
    saved = await stored(connected, who.shop)
    assert saved is not None
    assert saved.last_sent_week is None


async def test_send_now_waits_10_minutes_between_tests(
    connected: Connected, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "throttle.myshopify.com")
    assert await save(connected, who, recipients="ana@example.com", **EVERY_MONDAY_AT_8) == 303
    monkeypatch.setattr(connected.app.state, "runtime", mailing(connected, port))

    first = await send_now(connected, who)
    again = await send_now(connected, who)
    in_german = await send_now(connected, who, locale="de")
    sent_before_the_wait = len(inbox.messages)
    await move_last_test_back(connected, who.shop, timedelta(minutes=11))
    later = await send_now(connected, who)

    assert first.status_code == 303
    assert again.status_code == 429
    assert "One test digest every 10 minutes: you can send the next in 10 minutes." in again.text
    assert 540 < int(again.headers["Retry-After"]) <= 600
    assert 'name="recipients"' in again.text  # the page again, with the message on it
    assert in_german.status_code == 429
    assert "Eine Test-Zusammenfassung alle 10 Minuten" in in_german.text
    assert sent_before_the_wait == 1
    assert later.status_code == 303
    assert [m["To"] for m in inbox.messages] == ["ana@example.com", "ana@example.com"]


async def test_clicks_at_once_send_one_test(
    connected: Connected, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "clicks.myshopify.com")
    assert await save(connected, who, recipients="ana@example.com", **EVERY_MONDAY_AT_8) == 303
    monkeypatch.setattr(connected.app.state, "runtime", mailing(connected, port))

    answers = await asyncio.gather(*(send_now(connected, who) for _ in range(4)))

    assert sorted(answer.status_code for answer in answers) == [303, 429, 429, 429]
    assert [m["To"] for m in inbox.messages] == ["ana@example.com"]


async def test_a_test_send_the_server_refused_does_not_count(
    connected: Connected, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    who = await sign_in(connected, "refused-test.myshopify.com")
    assert await save(connected, who, recipients="ana@example.com", **EVERY_MONDAY_AT_8) == 303

    monkeypatch.setattr(connected.app.state, "runtime", mailing(connected, free_port()))
    refused = await send_now(connected, who)  # nothing listens there
    after_refusal = await stored(connected, who.shop)
    connected.app.state.runtime = mailing(connected, port)  # monkeypatch restores the original
    accepted = await send_now(connected, who)

    assert refused.status_code == 503
    assert after_refusal is not None
    assert after_refusal.last_test_sent_at is None
    assert accepted.status_code == 303
    assert [m["To"] for m in inbox.messages] == ["ana@example.com"]


async def test_send_now_without_recipients_says_so(connected: Connected) -> None:
    who = await sign_in(connected, "empty.myshopify.com")

    response = await connected.client.post("/admin/digest/send-now", data={"csrf_token": who.csrf})

    assert response.status_code == 422
    assert "save at least one address first" in response.text


async def test_the_page_labels_every_field(connected: Connected) -> None:
    await sign_in(connected, "labels.myshopify.com")

    page = (await connected.client.get("/admin/digest")).text

    for name in ("recipients", "weekday", "hour", "locale", "enabled"):
        assert f'<label for="digest-{name}">' in page
        assert f'id="digest-{name}"' in page
    assert 'aria-current="page">Sharing' in page


async def test_one_shops_broken_digest_leaves_the_other_shops_theirs(
    connected: Connected, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    broken = await sign_in(connected, "broken-first.myshopify.com")
    assert await save(connected, broken, recipients="ana@example.com", **EVERY_MONDAY_AT_8) == 303
    working = await sign_in(connected, "working-second.myshopify.com")  # the client's new session
    assert await save(connected, working, recipients="ben@example.org", **EVERY_MONDAY_AT_8) == 303

    def fails_for_one_shop(
        shop: Shop,
        card: Scorecard,
        to: str,
        dashboard_url: str,
        locale: str,
        unsubscribe_url: str,
        *,
        test: bool = False,
    ) -> Email:
        if shop.id == broken.shop.id:
            raise RuntimeError("the template broke")
        return digest_email(shop, card, to, dashboard_url, locale, unsubscribe_url, test=test)

    monkeypatch.setattr(service, "digest_email", fails_for_one_shop)
    with pytest.raises(RuntimeError, match="the template broke"):  # the job is retried
        await run_digests(mailing(connected, port), MONDAY_MORNING)

    assert [m["To"] for m in inbox.messages] == ["ben@example.org"]
    left = await stored(connected, broken.shop)
    assert left is not None
    assert left.last_sent_week is None


@pytest.mark.parametrize(
    ("locale", "sentence"),
    [
        ("en", "The digest cannot be switched on yet: e-mail is not set up"),
        ("es", "El resumen aún no se puede activar"),
        ("de", "Die Zusammenfassung kann noch nicht eingeschaltet werden"),
    ],
)
async def test_without_e_mail_the_digest_cannot_be_switched_on(
    connected: Connected, locale: str, sentence: str
) -> None:
    who = await sign_in(connected, f"no-mail-switch-{locale}.myshopify.com", email=False)

    page = await connected.client.get(f"/admin/digest?locale={locale}")
    refused = await connected.client.post(
        "/admin/digest",
        data={"csrf_token": who.csrf, "recipients": "ana@example.com", **EVERY_MONDAY_AT_8},
        headers={"X-StoreOKR-Locale": locale},
    )
    kept = await save(connected, who, recipients="ana@example.com", weekday="0", hour="8")

    assert re.search(r'id="digest-enabled"[^>]* disabled', page.text)
    assert refused.status_code == 422
    assert sentence in refused.text
    assert 'aria-describedby="digest-enabled-error"' in refused.text
    assert kept == 303  # everything but the switch can be saved beforehand
    saved = await stored(connected, who.shop)
    assert saved is not None
    assert (saved.recipients, saved.enabled) == ("ana@example.com", False)
