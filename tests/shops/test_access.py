"""Who may act for which shop: session tokens, cookie sessions, CSRF and login links. That
one shop reaches nothing of another's, over every route, is tests/security/test_isolation.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import APIRouter

from app.auth.cookies import SESSION_COOKIE, read_session
from app.auth.dependencies import ShopDep
from app.crypto import Vault
from app.integrations.platforms import Platform
from app.shops import service
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected

SHOP_A = "shop-a.myshopify.com"
SHOP_B = "shop-b.myshopify.com"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# Minted when each test runs (a token made at import could expire before a slow suite gets to it).
@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(
            lambda: session_token(SHOP_A, secret="forged-secret-of-at-least-32-bytes!"),
            id="forged",
        ),
        pytest.param(
            lambda: session_token(SHOP_A, expires_in=timedelta(seconds=-11)), id="expired"
        ),
        pytest.param(lambda: session_token(SHOP_A, audience="another-app"), id="wrong-aud"),
        pytest.param(lambda: session_token(SHOP_A, dest_shop=SHOP_B), id="other-shop"),
        pytest.param(lambda: session_token("evil.com"), id="not-a-shop"),
        pytest.param(lambda: "not.a.jwt", id="garbage"),
    ],
)
async def test_bad_session_token_is_401(
    connected: Connected, make_token: Callable[[], str]
) -> None:
    response = await connected.client.get("/api/v1/shop", headers=bearer(make_token()))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert connected.shopify.token_requests == []  # nothing installed on a bad token


async def test_token_within_the_clock_leeway_is_accepted(connected: Connected) -> None:
    token = session_token(SHOP_A, expires_in=timedelta(seconds=-5))
    response = await connected.client.get("/api/v1/shop", headers=bearer(token))
    assert response.status_code == 200


async def test_no_credentials_is_401(connected: Connected) -> None:
    response = await connected.client.get("/api/v1/shop")
    assert response.status_code == 401
    assert "login link" in response.json()["error"]["message"]


async def install_woo_shop(connected: Connected) -> Shop:
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        return await service.install(
            session,
            Vault.from_settings(runtime.settings),
            platform=Platform.WOOCOMMERCE,
            domain="https://store.example",
            credentials="{}",
            scopes="read_write",
        )


async def test_login_link_is_one_time(connected: Connected) -> None:
    shop = await install_woo_shop(connected)
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        link = await create_login_link(session, runtime.settings, shop)
    path = link.removeprefix("https://storeokr.test")

    first = await connected.client.get(path)
    assert first.status_code == 303
    assert SESSION_COOKIE in first.cookies
    assert (await connected.client.get("/api/v1/shop")).json()["id"] == shop.id

    connected.client.cookies.clear()
    again = await connected.client.get(path)
    assert again.status_code == 404
    assert SESSION_COOKIE not in again.cookies


async def test_cookie_session_cannot_write_without_the_csrf_token(connected: Connected) -> None:
    connected.app.include_router(write_router)
    shop = await install_woo_shop(connected)
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        link = await create_login_link(session, runtime.settings, shop)
    await connected.client.get(link.removeprefix("https://storeokr.test"))

    refused = await connected.client.post("/test/write")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    forged = await connected.client.post("/test/write", headers={"X-CSRF-Token": "guess"})
    assert forged.status_code == 403
    # The page that holds the session knows its token (issued with the session).
    cookie = read_session(connected.client.cookies[SESSION_COOKIE], connected.settings)
    assert cookie is not None
    allowed = await connected.client.post(
        "/test/write", headers={"X-CSRF-Token": cookie.csrf_token}
    )
    assert allowed.status_code == 200
    assert allowed.json() == {"shop": shop.id}


write_router = APIRouter()


@write_router.post("/test/write")
async def write(shop: ShopDep) -> dict[str, int | None]:
    return {"shop": shop.id}


async def login(connected: Connected, shop_id: int) -> dict[str, str]:
    """Sign the test client in to a shop with a login link; the CSRF header for writes."""
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        shop = await session.get(Shop, shop_id)
        assert shop is not None
        link = await create_login_link(session, runtime.settings, shop)
    await connected.client.get(link.removeprefix("https://storeokr.test"))
    cookie = read_session(connected.client.cookies[SESSION_COOKIE], connected.settings)
    assert cookie is not None
    return {"X-CSRF-Token": cookie.csrf_token}
