"""Open pixel and signed click redirects: the first open and the first click of a message sent
are recorded once, a link whose destination was changed goes nowhere, nothing is cached."""

from __future__ import annotations

import base64

from sqlmodel import col, select

from app.db import utcnow
from app.messaging.models import MarketingSend, SendStatus, SkipReason
from app.messaging.tracking import OPEN_PATH, Tracker, click_token, open_token
from app.middleware import loggable_path
from app.ratelimit import public_routes_of
from app.runtime import Runtime
from tests.fixtures.objects import create_shop
from tests.fixtures.stores import Connected

DESTINATION = "https://shop.example/checkouts/abc/recover?key=k1&storeokr=1"


async def _send(connected: Connected, status: SendStatus = SendStatus.SENT) -> tuple[int, int]:
    """A shop and one message of its send log; (shop id, send id)."""
    runtime: Runtime = connected.app.state.runtime
    now = utcnow()
    async with runtime.transaction() as session:
        shop = await create_shop(session)
        assert shop.id is not None
        send = MarketingSend(
            shop_id=shop.id,
            initiative_id=1,
            subject="checkout:abc",
            step=1,
            address_digest="0" * 64,
            status=status,
            reason=SkipReason.CONSENT.value if status is SendStatus.SKIPPED else None,
            sent_at=now if status is SendStatus.SENT else None,
            created_at=now,
            updated_at=now,
        )
        session.add(send)
        await session.flush()
        assert send.id is not None
        return shop.id, send.id


async def _row(connected: Connected, send_id: int) -> MarketingSend:
    runtime: Runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        statement = select(MarketingSend).where(col(MarketingSend.id) == send_id)
        return (await session.exec(statement)).one()


async def test_the_first_open_is_recorded_once_and_the_pixel_is_not_cached(
    connected: Connected,
) -> None:
    shop_id, send_id = await _send(connected)
    path = f"{OPEN_PATH}{open_token(connected.settings, shop_id, send_id)}.gif"

    first = await connected.client.get(path)
    opened = (await _row(connected, send_id)).opened_at
    second = await connected.client.get(path)

    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"] == "image/gif"
    assert first.content.startswith(b"GIF89a")
    assert "no-store" in first.headers["cache-control"]
    assert first.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in first.headers
    assert opened is not None
    row = await _row(connected, send_id)
    assert row.opened_at == opened  # the second open changed nothing
    assert row.clicked_at is None


async def test_a_pixel_we_did_not_sign_is_the_same_gif_and_records_nothing(
    connected: Connected,
) -> None:
    shop_id, send_id = await _send(connected)
    genuine = open_token(connected.settings, shop_id, send_id)
    forged = f"{shop_id}.{send_id}.{'A' * 43}"

    good = await connected.client.get(f"{OPEN_PATH}{genuine}.gif")
    bad = await connected.client.get(f"{OPEN_PATH}{forged}.gif")
    other = await connected.client.get(f"{OPEN_PATH}nonsense.gif")

    assert bad.status_code == other.status_code == 200
    assert bad.content == other.content == good.content  # tells a prober nothing
    assert "no-store" in bad.headers["cache-control"]


async def test_a_forged_pixel_records_no_open(connected: Connected) -> None:
    shop_id, send_id = await _send(connected)
    await connected.client.get(f"{OPEN_PATH}{shop_id}.{send_id}.{'A' * 43}.gif")
    assert (await _row(connected, send_id)).opened_at is None


async def test_a_message_not_sent_records_no_open_and_no_click(connected: Connected) -> None:
    shop_id, send_id = await _send(connected, SendStatus.SKIPPED)
    await connected.client.get(f"{OPEN_PATH}{open_token(connected.settings, shop_id, send_id)}.gif")
    token = click_token(connected.settings, shop_id, send_id, DESTINATION)
    answer = await connected.client.get(f"/m/c/{token}")
    assert answer.status_code == 302  # the reader still gets where the link goes
    row = await _row(connected, send_id)
    assert row.opened_at is None
    assert row.clicked_at is None


async def test_a_click_redirects_to_its_destination_and_is_recorded_once(
    connected: Connected,
) -> None:
    shop_id, send_id = await _send(connected)
    link = Tracker(connected.settings, shop_id, send_id).link(DESTINATION)
    assert link.startswith("https://storeokr.test/m/c/")
    path = link.removeprefix("https://storeokr.test")

    first = await connected.client.get(path)
    clicked = (await _row(connected, send_id)).clicked_at
    second = await connected.client.get(path)

    assert first.status_code == second.status_code == 302
    assert first.headers["location"] == DESTINATION
    assert "no-store" in first.headers["cache-control"]
    assert first.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in first.headers
    assert clicked is not None
    row = await _row(connected, send_id)
    assert row.clicked_at == clicked
    assert row.opened_at is None  # a click is not an open


async def test_a_tampered_destination_is_a_404_page_and_goes_nowhere(
    connected: Connected,
) -> None:
    shop_id, send_id = await _send(connected)
    token = click_token(connected.settings, shop_id, send_id, DESTINATION)
    shop, send, _destination, signature = token.split(".")
    elsewhere = base64.urlsafe_b64encode(b"https://evil.example/").rstrip(b"=").decode()
    tampered = f"{shop}.{send}.{elsewhere}.{signature}"

    answer = await connected.client.get(
        f"/m/c/{tampered}", headers={"Accept-Language": "de-DE,de;q=0.9"}
    )

    assert answer.status_code == 404
    assert "location" not in answer.headers
    assert "evil.example" not in answer.text
    assert "Dieser Link ist nicht gültig" in answer.text
    assert (await _row(connected, send_id)).clicked_at is None
    english = await connected.client.get(f"/m/c/{tampered}")
    assert "This link is not valid" in english.text


async def test_only_web_links_are_wrapped_and_previews_stay_untracked(
    connected: Connected,
) -> None:
    tracker = Tracker(connected.settings, 1, 2)
    assert tracker.link("mailto:shop@example.com") == "mailto:shop@example.com"
    assert tracker.pixel is not None
    assert tracker.pixel.startswith("https://storeokr.test/m/o/")


def test_the_request_log_masks_a_click_destination_and_both_routes_are_rate_limited() -> None:
    assert loggable_path("/m/c/1.2.aHR0cHM6.sig") == "/m/c/…"
    assert loggable_path("/m/o/1.2.sig.gif") == "/m/o/1.2.sig.gif"
    opens, clicks = public_routes_of("/m/o/1.2.sig.gif"), public_routes_of("/m/c/1.2.x.sig")
    assert opens is not None
    assert clicks is not None
    assert clicks.page
