"""The platform's clock is not ours. Deliveries stamped up to the allowed skew ahead of our clock,
or hours behind it, are all stored, handled and counted once; session tokens from a clock a few
seconds off (within the leeway) are accepted, and beyond it refused with 401."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import utcnow
from app.integrations.shopify.session_token import LEEWAY_S
from app.webhooks.service import CLOCK_SKEW
from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery
from tests.reliability.deliveries import Delivery, send_all
from tests.reliability.ledger import Tally, tally
from tests.webhooks.helpers import install

SHOP = "skewed-clock.myshopify.com"
# Where Shopify's clock stands against ours when it stamps a delivery.
DELIVERY_SKEWS = [
    CLOCK_SKEW - timedelta(seconds=30),
    timedelta(seconds=20),
    timedelta(0),
    -timedelta(minutes=7),
    -timedelta(hours=3),
]
PER_SKEW = 8
WITHIN = timedelta(seconds=LEEWAY_S - 2)
BEYOND = timedelta(seconds=LEEWAY_S + 120)


def skewed_orders() -> list[Delivery]:
    """Stamped when the test runs (never at import), each skew's orders in turn."""
    deliveries = []
    for n in range(len(DELIVERY_SKEWS) * PER_SKEW):
        order = {**payload("shopify_order"), "id": 30_000 + n, "name": f"#{30_000 + n}"}
        stamped = utcnow() + DELIVERY_SKEWS[n % len(DELIVERY_SKEWS)]
        headers, body = shopify_delivery(SHOP, "orders/create", order, triggered_at=stamped)
        deliveries.append(Delivery(headers["X-Shopify-Webhook-Id"], headers, body))
    return deliveries


async def test_deliveries_from_a_skewed_clock_are_all_counted_once(
    connected: Connected, pg_engine: AsyncEngine, ledger: list[Tally]
) -> None:
    shop = await install(connected, SHOP)
    deliveries = skewed_orders()
    answers = await send_all(connected.client, deliveries)
    assert set(answers) == {200}
    await finish_jobs(connected.app)
    result = await tally(
        pg_engine,
        shop.id or 0,
        "Clock skew (deliveries stamped ahead/behind)",
        sent=len(deliveries),
    )
    ledger.append(result)
    result.assert_nothing_lost_or_doubled()


@pytest.mark.parametrize(
    ("skew", "status"),
    [(WITHIN, 200), (-WITHIN, 200), (BEYOND, 401), (-BEYOND, 401)],
    ids=["ahead-within-leeway", "behind-within-leeway", "ahead-beyond", "behind-beyond"],
)
async def test_session_tokens_from_a_skewed_clock(
    connected: Connected, skew: timedelta, status: int
) -> None:
    await install(connected, SHOP)
    # Behind by more than the token's minute of life plus the leeway: already expired here.
    token = session_token(SHOP, skew=skew, expires_in=timedelta(minutes=1))
    response = await connected.client.get(
        "/api/v1/shop", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == status, response.text
