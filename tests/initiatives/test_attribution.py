"""A recovery is attributed to its initiative through our link (the marker on the order's
landing page, or a click of our link before the order) or within the attribution window."""

from __future__ import annotations

import re
from datetime import timedelta

from app.db import utcnow
from app.initiatives.models import Attribution, EnrollmentStatus
from app.initiatives.recovery import attribution, marker_of
from tests.initiatives.helpers import Store
from tests.initiatives.test_recovery import parts

WEEK = timedelta(days=7)


async def _sent(store: Store) -> tuple[str, int]:
    """A checkout abandoned and its step one sent: (token, send id)."""
    await store.recovery()
    token = await store.abandon()
    await store.sweep()
    [send] = await store.sends()
    assert send.id is not None
    return token, send.id


async def test_an_order_landing_with_our_marker_came_through_the_link(store: Store) -> None:
    token, send_id = await _sent(store)

    await store.buy(token, landing_site=f"/checkouts/{token}/recover?key=k1&storeokr={send_id}")

    [enrollment] = await store.enrollments(token)
    assert enrollment.status is EnrollmentStatus.CONVERTED
    assert enrollment.attributed
    assert enrollment.attributed_by == "link"


async def test_a_click_before_the_order_counts_as_through_the_link(store: Store) -> None:
    token, _send_id = await _sent(store)
    text, _html = parts(store.inbox.messages[0])
    [wrapped] = re.findall(r"https://storeokr\.test(/m/c/[A-Za-z0-9._-]+)", text)
    followed = await store.connected.client.get(wrapped)
    assert followed.status_code == 302

    await store.buy(token, landing_site="/")  # the store kept no marker (the visit began elsewhere)

    [enrollment] = await store.enrollments(token)
    assert enrollment.attributed_by == "link"


async def test_an_order_after_a_message_without_the_link_is_within_the_window(
    store: Store,
) -> None:
    token, _send_id = await _sent(store)

    await store.buy(token, landing_site=None)

    [enrollment] = await store.enrollments(token)
    assert enrollment.attributed
    assert enrollment.attributed_by == "window"


def test_attribution_rules() -> None:
    now = utcnow()
    sent = now - timedelta(hours=2)
    # Our marker of another message (another checkout's e-mail) does not count as our link.
    assert attribution({5: None}, "/?storeokr=6", sent, now, WEEK) is Attribution.WINDOW
    assert attribution({5: None}, "/?storeokr=5", sent, now, WEEK) is Attribution.LINK
    # A click after the order did not bring it.
    assert attribution({5: now + timedelta(minutes=1)}, None, sent, now, WEEK) is (
        Attribution.WINDOW
    )
    # Outside the window, and no link: not the initiative's.
    assert attribution({5: None}, None, now - timedelta(days=8), now, WEEK) is None
    assert attribution({5: now - timedelta(days=8)}, None, sent, now, WEEK) is Attribution.LINK
    assert attribution({}, None, None, now, WEEK) is None


def test_the_marker_is_read_from_a_path_or_a_whole_address() -> None:
    assert marker_of("/checkouts/a/recover?key=k&storeokr=12") == 12
    assert marker_of("https://shop.example/checkouts/a/recover?storeokr=7&key=k") == 7
    assert marker_of("/?storeokr=abc") is None
    assert marker_of(None) is None
