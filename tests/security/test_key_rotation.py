"""Acceptance (#15, 3): rotating STOREOKR_SECRET_KEY (the old key moved to
STOREOKR_OLD_SECRET_KEYS) keeps share links, cookie sessions and live-stream tokens working
until the old key is dropped; then they are refused."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.cookies import SESSION_COOKIE
from app.config import Settings
from tests.admin.test_sharing import share, sign_in, with_okr
from tests.fixtures.database import empty_all_tables
from tests.fixtures.platforms import API_KEY, API_SECRET, session_token
from tests.fixtures.settings import make_settings
from tests.fixtures.stores import PUBLIC_URL, Connected
from tests.security.helpers import connected_with, stream_status

SHOP = "rotating.myshopify.com"
FIRST_KEY = "first-secret-key-" + "1" * 32
SECOND_KEY = "second-secret-key-" + "2" * 32


def keyed_settings(secret_key: str, old_secret_keys: list[str]) -> Settings:
    return make_settings(
        shopify_api_key=API_KEY,
        shopify_api_secret=API_SECRET,
        public_url=PUBLIC_URL,
        secret_key=secret_key,
        old_secret_keys=old_secret_keys,
    )


@dataclass(frozen=True)
class Signed:
    """What the first key signed: a share link's path, a session cookie, a stream token."""

    share_path: str
    session_cookie: str
    stream_token: str


async def sign_everything(connected: Connected) -> Signed:
    shop = await with_okr(connected, SHOP)
    await sign_in(connected, shop)
    _link, share_path = await share(connected, shop)
    embedded = {
        "embedded": "1",
        "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvcm90YXRpbmc",
        "shop": SHOP,
        "id_token": session_token(SHOP),
    }
    page = await connected.client.get("/", params=embedded)
    assert page.status_code == 200
    stream = re.search(
        r'name="storeokr-live-stream" content="[^"]*stream_token=([^"&]+)"', page.text
    )
    assert stream is not None
    return Signed(share_path, connected.client.cookies[SESSION_COOKIE], stream.group(1))


async def answers(connected: Connected, signed: Signed) -> tuple[int, int, int]:
    """(share page, shop read with the session cookie, live stream by stream token)."""
    shared = await connected.client.get(signed.share_path)
    with_session = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=connected.app),
        base_url="http://storeokr.test",
        cookies={SESSION_COOKIE: signed.session_cookie},
    )
    async with with_session:
        shop = await with_session.get("/api/v1/shop")
    stream = await stream_status(
        connected.app, "/api/v1/events", f"stream_token={signed.stream_token}"
    )
    return shared.status_code, shop.status_code, stream


async def test_a_rotation_keeps_what_the_old_key_signed_until_it_is_dropped(
    pg_engine: AsyncEngine,
) -> None:
    await empty_all_tables(pg_engine)
    try:
        async with connected_with(keyed_settings(FIRST_KEY, [])) as first:
            signed = await sign_everything(first)
            assert await answers(first, signed) == (200, 200, 200)

        async with connected_with(keyed_settings(SECOND_KEY, [FIRST_KEY])) as rotating:
            assert await answers(rotating, signed) == (200, 200, 200)

        async with connected_with(keyed_settings(SECOND_KEY, [])) as rotated:
            assert await answers(rotated, signed) == (404, 401, 401)
    finally:
        await empty_all_tables(pg_engine)


async def test_what_the_new_key_signs_is_read_during_the_rotation(pg_engine: AsyncEngine) -> None:
    await empty_all_tables(pg_engine)
    try:
        async with connected_with(keyed_settings(SECOND_KEY, [FIRST_KEY])) as rotating:
            signed = await sign_everything(rotating)
        async with connected_with(keyed_settings(SECOND_KEY, [])) as rotated:
            assert await answers(rotated, signed) == (200, 200, 200)
        async with connected_with(keyed_settings(FIRST_KEY, [])) as rolled_back:
            assert await answers(rolled_back, signed) == (404, 401, 401)
    finally:
        await empty_all_tables(pg_engine)


async def test_a_share_token_with_non_ascii_in_its_signature_is_a_404(
    pg_engine: AsyncEngine,
) -> None:
    await empty_all_tables(pg_engine)
    async with connected_with(keyed_settings(FIRST_KEY, [])) as connected:
        answer = await connected.client.get("/share/1.99999999999." + "é" * 43)
    assert answer.status_code == 404
