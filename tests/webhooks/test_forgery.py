"""A thousand random mutations of valid deliveries, on both platforms: every one refused."""

from __future__ import annotations

import random

from sqlalchemy.ext.asyncio import AsyncEngine

from app.integrations.platforms import Platform
from tests.fixtures.payloads import payload
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery, woocommerce_delivery
from tests.shops.helpers import count_rows
from tests.webhooks.helpers import WOO_SECRET, install

SHOP = "fuzzed.myshopify.com"
STORE = "https://store.example"
MUTATIONS = 500  # per platform


def mutate(
    rng: random.Random, headers: dict[str, str], body: bytes, signature: str
) -> tuple[dict[str, str], bytes]:
    """One random change to a valid delivery that a forger, or the network, could make."""
    headers, data = dict(headers), bytearray(body)
    kind = rng.randrange(5)
    if kind == 0:  # flip one bit of the body
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == 1:  # append or cut bytes
        data = (
            data + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            if rng.random() < 0.5
            else data[: -rng.randint(1, 8)]
        )
    elif kind == 2:  # change one character of the signature
        value = list(headers[signature])
        position = rng.randrange(len(value))
        value[position] = rng.choice(
            [c for c in "ABCDEFabcdef0123456789+/" if c != value[position]]
        )
        headers[signature] = "".join(value)
    elif kind == 3:  # drop or blank the signature
        if rng.random() < 0.5:
            del headers[signature]
        else:
            headers[signature] = ""
    else:  # sign with another secret
        other = shopify_delivery(SHOP, "x", {}, secret=f"guess-{rng.random()}")[0][
            "X-Shopify-Hmac-Sha256"
        ]
        headers[signature] = other
    return headers, bytes(data)


async def test_every_mutated_delivery_is_401_and_nothing_is_stored(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, SHOP)
    await install(connected, STORE, Platform.WOOCOMMERCE)
    rng = random.Random(20261123)
    valid = [
        (
            "/webhooks/shopify",
            "X-Shopify-Hmac-Sha256",
            shopify_delivery(SHOP, "orders/create", payload("shopify_order")),
        ),
        (
            "/webhooks/woocommerce",
            "X-WC-Webhook-Signature",
            woocommerce_delivery(
                STORE, "order.created", payload("woocommerce_order"), secret=WOO_SECRET
            ),
        ),
    ]
    statuses: dict[int, int] = {}
    for path, signature, (headers, body) in valid:
        for _ in range(MUTATIONS):
            forged_headers, forged_body = mutate(rng, headers, body, signature)
            if forged_body == body and forged_headers.get(signature) == headers[signature]:
                continue  # the mutation happened to change nothing
            response = await connected.client.post(
                path, headers=forged_headers, content=forged_body
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    assert set(statuses) == {401}, statuses
    assert sum(statuses.values()) >= 2 * MUTATIONS - 10
    assert await count_rows(pg_engine, "webhook_events") == 0
