"""Acceptance (#15, 4): with every logger at DEBUG (ours, httpx, httpcore, SQLAlchemy, arq),
connecting a store, backfilling it, handling its webhooks and retrying a failed job write no
credential, token or signature into any log record: neither its message nor its arguments,
its exception or its extra fields. Checked on the records themselves, before any handler's
filter: what the code logs, not only what our own handler prints."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, quote_plus

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import utcnow
from app.integrations.base import Refresher, StoreConnection
from app.integrations.shopify.credentials import ShopifyCredentials
from app.integrations.woocommerce.credentials import WooCommerceCredentials
from tests.commerce.test_sync import shopify_order_node, woo_order
from tests.fixtures.app import finish_jobs
from tests.fixtures.database import empty_all_tables
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import API_SECRET, FakeShopify, FakeWooCommerce, session_token
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.webhooks import shopify_delivery, woocommerce_delivery
from tests.security.helpers import connected_with
from tests.shops.helpers import query_param, signed_callback_query

SHOP = "quiet.myshopify.com"
# Plain http: the store's REST calls then carry OAuth 1.0a in their query (key and signature).
WOO_STORE = "http://store.example"
THIRD_PARTY_LOGGERS = ("httpx", "httpcore", "sqlalchemy.engine", "sqlalchemy.pool", "arq")


@dataclass
class StoreTraffic:
    """The fakes behind one transport, failing the first order listing (so a job is retried
    and warned about), and noting the secrets sent to and issued by the stores."""

    shopify: FakeShopify = field(default_factory=FakeShopify)
    woocommerce: FakeWooCommerce = field(default_factory=FakeWooCommerce)
    failures_left: int = 1  # a 400 is not retried by the call: its job fails once
    secrets: set[str] = field(default_factory=set)

    def transport(self) -> httpx.MockTransport:
        def route(request: httpx.Request) -> httpx.Response:
            self.secrets.update(values_of_oauth(request))
            if request.url.host != "store.example":
                response = self.shopify.handle(request)
                if request.url.path == "/admin/oauth/access_token" and response.is_success:
                    self.secrets.add(str(response.json()["refresh_token"]))
                return response
            if request.url.path.endswith("/wc/v3/orders") and self.failures_left:
                self.failures_left -= 1
                # An error page that echoes the request, as some servers' do: its URL carries
                # the OAuth key and signature.
                return httpx.Response(400, text=f"Bad Request: GET {request.url}")
            return self.woocommerce.handle(request)

        return httpx.MockTransport(route)


def values_of_oauth(request: httpx.Request) -> Iterator[str]:
    for name, values in parse_qs(request.url.query.decode()).items():
        if name in ("oauth_signature", "oauth_consumer_key"):
            yield from values


@pytest.fixture
def every_record(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in THIRD_PARTY_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Each record as a handler could see it: formatted (with its exception and stack), its
    raw arguments and its extra fields."""
    plain = logging.Formatter("%(message)s")
    return "\n".join(
        f"{plain.format(record)} {record.args!r} {record.__dict__!r}" for record in records
    )


def forms(secret: str) -> set[str]:
    """The secret as it is, and as a URL's query carries it (a base64 signature's + / =)."""
    return {secret, quote(secret, safe=""), quote_plus(secret, safe="")}


async def connect_woocommerce(connected: Connected) -> str:
    """Connect the plain-http store through its key exchange (HTTP only); its webhook secret."""
    client, store = connected.client, connected.woocommerce
    started = await client.get("/auth/woocommerce/connect", params={"store_url": WOO_STORE})
    assert started.status_code == 303
    user_id = query_param(started.headers["location"], "user_id")
    keys = {
        "key_id": 1,
        "user_id": user_id,
        "consumer_key": store.consumer_key,
        "consumer_secret": store.consumer_secret,
        "key_permissions": "read_write",
    }
    delivered = await client.post("/auth/woocommerce/callback", json=keys)
    assert delivered.status_code == 200
    back = await client.get("/auth/woocommerce/return", params={"user_id": user_id, "success": "1"})
    assert back.status_code == 303
    await finish_jobs(connected.app)  # connection, backfill (retried once), its chunks
    assert store.webhooks, "the store was not connected"
    return str(store.webhooks[0]["secret"])


async def install_shopify(connected: Connected) -> list[str]:
    """Install by the code grant (HTTP), then an embedded load and an API call, each with a
    session token; what was signed along the way."""
    client = connected.client
    started = await client.get("/auth/shopify/install", params={"shop": SHOP})
    assert started.status_code == 303
    state = query_param(started.headers["location"], "state")
    query = signed_callback_query(SHOP, state)
    installed = await client.get(f"/auth/shopify/callback?{query}")
    assert installed.status_code == 303
    await finish_jobs(connected.app)  # connection, backfill
    tokens = [session_token(SHOP), session_token(SHOP)]
    host = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvcXVpZXQ"
    load = {"embedded": "1", "host": host, "shop": SHOP, "id_token": tokens[0]}
    assert (await client.get("/admin/okrs", params=load)).status_code == 200
    bearer = {"Authorization": f"Bearer {tokens[1]}"}
    assert (await client.get("/api/v1/shop", headers=bearer)).status_code == 200
    return [state, query_param(f"?{query}", "hmac"), *tokens]


async def deliver(connected: Connected, path: str, headers: dict[str, str], body: bytes) -> str:
    answer = await connected.client.post(path, headers=headers, content=body)
    assert answer.status_code == 200, answer.text
    await finish_jobs(connected.app)
    return next(value for name, value in headers.items() if "Signature" in name or "Hmac" in name)


async def test_connect_backfill_and_webhooks_log_no_secret(
    pg_engine: AsyncEngine, every_record: pytest.LogCaptureFixture
) -> None:
    traffic = StoreTraffic()
    traffic.woocommerce.orders = [woo_order(7000 + n) for n in range(3)]
    traffic.shopify.shop(SHOP).orders = [shopify_order_node(8000 + n, "20.00") for n in range(3)]
    settings = connection_settings()
    await empty_all_tables(pg_engine)
    try:
        async with connected_with(
            settings, traffic.shopify, traffic.woocommerce, traffic.transport()
        ) as connected:
            woo_secret = await connect_woocommerce(connected)
            signed = await install_shopify(connected)
            woo_headers, woo_body = woocommerce_delivery(
                WOO_STORE, "order.updated", woo_order(7001), secret=woo_secret
            )
            shopify_headers, shopify_body = shopify_delivery(
                SHOP, "orders/create", payload("shopify_order")
            )
            shopify_headers["X-Shopify-Triggered-At"] = utcnow().isoformat()
            signed += [
                await deliver(connected, "/webhooks/woocommerce", woo_headers, woo_body),
                await deliver(connected, "/webhooks/shopify", shopify_headers, shopify_body),
            ]
    finally:
        await empty_all_tables(pg_engine)

    assert traffic.failures_left == 0  # the failing listing happened, and was retried:
    assert any(r.name == "app.worker.execution" and "failed" in r.msg for r in every_record.records)
    assert any("HTTP Request" in r.getMessage() for r in every_record.records)  # httpx spoke
    assert any(r.name.startswith("sqlalchemy.engine") for r in every_record.records)
    secrets = {
        traffic.woocommerce.consumer_key,
        traffic.woocommerce.consumer_secret,
        woo_secret,
        API_SECRET,
        settings.secret_key.get_secret_value(),
        *traffic.shopify.issued_tokens,
        *traffic.secrets,  # every OAuth signature sent, Shopify's refresh tokens
        *signed,
    }
    logged = everything_logged(every_record.records)
    leaked = sorted(secret for secret in secrets if any(form in logged for form in forms(secret)))
    assert leaked == []


async def test_credentials_and_connections_print_no_secret() -> None:
    async def refresh(_refresher: Refresher) -> str:
        return ""

    printed = repr(
        [
            ShopifyCredentials("shpat_live", "read_orders", refresh_token="shprt_live"),
            WooCommerceCredentials("ck_live", "cs_live", key_id=4),
            StoreConnection(
                1, "woocommerce", WOO_STORE, '{"ck": "ck_live"}', "whsec_live", refresh
            ),
        ]
    )

    for secret in ("shpat_live", "shprt_live", "ck_live", "cs_live", "whsec_live"):
        assert secret not in printed
    assert "read_orders" in printed  # the rest still helps whoever reads the log
