"""The weekly digest's one-click unsubscribe (RFC 8058), from the messaging core: every digest
carries its recipient's signed link in the headers and the body; a POST to it (a mail client's
one click, or the page's button) stops the digest to that recipient of that shop, and nothing
of the shop's marketing; the digest and its test skip them afterwards, and the digest page
says so. A token we did not sign, or one turned into another list's, changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import Message

import pytest
from sqlmodel import select

from app.messaging.addresses import read_token
from app.messaging.email import Email
from app.messaging.lists import unsubscribed
from app.messaging.marketing import Marketing, send_marketing
from app.messaging.models import MailingList, MarketingUnsubscribe, SendStatus
from app.runtime import Runtime
from tests.admin.test_digest import (
    EVERY_MONDAY_AT_8,
    MONDAY_MORNING,
    SignedIn,
    mailing,
    part,
    run_digests,
    save,
    sign_in,
)
from tests.fixtures.mail import Inbox
from tests.fixtures.stores import PUBLIC_URL, Connected

ANA, BEN = "ana@example.com", "ben@example.org"
NEXT_MONDAY = MONDAY_MORNING + timedelta(days=7)


def unsubscribe_path(message: Message) -> str:
    header = str(message["List-Unsubscribe"])
    assert header.startswith(f"<{PUBLIC_URL}/u/")
    assert header.endswith(">")
    return header[1:-1].removeprefix(PUBLIC_URL)


async def first_digest(
    connected: Connected, port: int, domain: str, locale: str = "en"
) -> tuple[SignedIn, Runtime]:
    """A shop whose digest goes to Ana and Ben every Monday at 8, sent once."""
    who = await sign_in(connected, domain)
    fields = {**EVERY_MONDAY_AT_8, "locale": locale, "recipients": f"{ANA}\n{BEN}"}
    assert await save(connected, who, **fields) == 303
    runtime = mailing(connected, port)
    await run_digests(runtime, MONDAY_MORNING)
    return who, runtime


def to(inbox: Inbox, address: str) -> list[Message]:
    return [message for message in inbox.messages if message["To"] == address]


async def test_each_digest_carries_its_recipients_one_click_unsubscribe(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    who, _runtime = await first_digest(connected, port, "headers.myshopify.com")

    [for_ana], [for_ben] = to(inbox, ANA), to(inbox, BEN)
    path = unsubscribe_path(for_ana)
    reader = read_token(connected.settings, path.removeprefix("/u/"))
    assert reader is not None
    assert (reader.shop_id, reader.mailing_list, reader.language) == (
        who.shop.id,
        MailingList.DIGEST,
        "en",
    )
    assert for_ana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_path(for_ben) != path  # each recipient their own
    assert "ana" not in path  # the token names no address
    assert f'href="{PUBLIC_URL}{path}"' in part(for_ana, "text/html")
    assert f"Unsubscribe from this digest: {PUBLIC_URL}{path}" in part(for_ana, "text/plain")


async def test_one_click_stops_the_digest_to_that_recipient_and_nothing_else(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    who, runtime = await first_digest(connected, port, "one-click.myshopify.com")
    [for_ana] = to(inbox, ANA)

    # What a mail client sends for RFC 8058's one click.
    answer = await connected.client.post(
        unsubscribe_path(for_ana), data={"List-Unsubscribe": "One-Click"}
    )
    await run_digests(runtime, NEXT_MONDAY)
    marketing = await market_to(runtime, who, ANA)

    assert answer.status_code == 200
    assert "weekly OKR digest is no longer sent to you" in answer.text
    assert len(to(inbox, BEN)) == 2  # Ben still gets next week's
    assert len(to(inbox, ANA)) == 2  # Ana: last week's digest, then only marketing
    assert to(inbox, ANA)[-1]["Subject"] == "A note from the shop"
    assert marketing is SendStatus.SENDING  # the shop's marketing list is another list
    async with runtime.transaction() as session:
        assert await unsubscribed(session, who.shop.id or 0, MailingList.DIGEST, [ANA, BEN]) == {
            ANA
        }
        assert await unsubscribed(session, who.shop.id or 0, MailingList.MARKETING, [ANA]) == set()


async def market_to(runtime: Runtime, who: SignedIn, address: str) -> SendStatus:
    """A marketing e-mail of the same shop to `address`, at 12:30 in Berlin."""
    message = Marketing(
        shop_id=who.shop.id or 0,
        initiative_id=1,
        subject="win-back:1",
        step=1,
        address=address,
        timezone="Europe/Berlin",
        language="en",
        consent=True,
        consent_required=True,
    )

    async def render(send_id: int, unsubscribe: str) -> Email:
        return Email(to="", subject="A note from the shop", text=unsubscribe)

    result = await send_marketing(runtime, message, render, now=NEXT_MONDAY + timedelta(hours=4))
    return result.status


async def test_the_page_asks_in_the_digests_language_and_its_button_unsubscribes(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    who, runtime = await first_digest(connected, port, "button.myshopify.com", locale="de")
    path = unsubscribe_path(to(inbox, BEN)[0])

    page = await connected.client.get(path)
    still_subscribed = await digest_unsubscribes(runtime)
    button = re.search(
        r'<form method="post">\s*<input type="hidden" name="([^"]+)" value="([^"]+)"', page.text
    )
    assert button is not None
    pressed = await connected.client.post(path, data={button[1]: button[2]})
    again = await connected.client.post(path, data={button[1]: button[2]})

    assert page.status_code == 200
    assert "wöchentliche OKR-Übersicht dieses Shops nicht mehr erhalten?" in page.text
    assert still_subscribed == []  # opening the page (as a link scanner does) changes nothing
    assert pressed.status_code == again.status_code == 200
    assert "Du bist abgemeldet" in pressed.text
    assert await digest_unsubscribes(runtime) == [(who.shop.id, MailingList.DIGEST)]


async def digest_unsubscribes(runtime: Runtime) -> list[tuple[int, MailingList]]:
    async with runtime.transaction() as session:
        rows = await session.exec(select(MarketingUnsubscribe))
        return [(row.shop_id, row.mailing_list) for row in rows.all()]


@pytest.mark.parametrize("tamper", ["signature", "list", "shop"])
async def test_a_tampered_token_is_refused_and_changes_nothing(
    connected: Connected, smtp_server: tuple[Inbox, int], tamper: str
) -> None:
    inbox, port = smtp_server
    who, runtime = await first_digest(connected, port, f"tamper-{tamper}.myshopify.com")
    shop, listed, digest, language, signature = (
        unsubscribe_path(to(inbox, ANA)[0]).removeprefix("/u/").split(".")
    )
    assert listed == "digest"
    forged = {
        "signature": f"{shop}.{listed}.{digest}.{language}.{signature[::-1]}",
        # The same signature on the marketing list's form of the token.
        "list": f"{shop}.{digest}.{language}.{signature}",
        "shop": f"{int(shop) + 1}.{listed}.{digest}.{language}.{signature}",
    }[tamper]

    answer = await connected.client.post(f"/u/{forged}", data={"List-Unsubscribe": "One-Click"})
    await run_digests(runtime, NEXT_MONDAY)

    assert answer.status_code == 404
    assert "not valid" in answer.text
    assert await digest_unsubscribes(runtime) == []
    assert len(to(inbox, ANA)) == 2  # next week's digest still reaches her


async def test_the_digest_page_shows_who_unsubscribed_and_its_test_skips_them(
    connected: Connected, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    who, runtime = await first_digest(connected, port, "admin-page.myshopify.com")
    await connected.client.post(unsubscribe_path(to(inbox, ANA)[0]))
    monkeypatch.setattr(connected.app.state, "runtime", runtime)

    page = await connected.client.get("/admin/digest")
    test = await connected.client.post(
        "/admin/digest/send-now", data={"csrf_token": who.csrf}, follow_redirects=True
    )
    in_spanish = await connected.client.get("/admin/digest", params={"locale": "es"})

    listed = re.search(r'<p class="hint digest-unsubscribed">(.*?)</p>', page.text, re.S)
    assert listed is not None
    assert "Unsubscribed from the digest, so it is no longer sent to them:" in listed[1]
    assert f'<span class="unsubscribed-recipient">{ANA}</span>' in listed[1]
    assert BEN not in listed[1]
    assert "Se dieron de baja del resumen" in in_spanish.text
    assert "Test digest sent to 1 address." in test.text
    assert [m["To"] for m in inbox.messages[2:]] == [BEN]


async def test_when_everyone_unsubscribed_nothing_is_sent_or_claimed(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    who, runtime = await first_digest(connected, port, "everyone.myshopify.com")
    for message in list(inbox.messages):
        await connected.client.post(unsubscribe_path(message))

    await run_digests(runtime, NEXT_MONDAY)
    test = await connected.client.post("/admin/digest/send-now", data={"csrf_token": who.csrf})

    assert len(inbox.messages) == 2  # last week's only
    assert test.status_code == 422
    assert "every saved address has unsubscribed from the digest" in test.text
