"""Who may act for which shop: session tokens, cookie sessions, CSRF, login links, and the
isolation of one shop from another over every /api/v1 route."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.cookies import SESSION_COOKIE, read_session
from app.auth.dependencies import ShopDep
from app.crypto import Vault
from app.privacy.customers import CustomerRef
from app.privacy.service import export_customer
from app.shops import service
from app.shops.login_links import create_login_link
from app.shops.models import Platform, Shop
from app.webhooks.models import EventStatus, WebhookEvent
from tests.fixtures.app import finish_jobs
from tests.fixtures.objects import create_okr
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.shops.helpers import all_stored_text

SHOP_A = "shop-a.myshopify.com"
SHOP_B = "shop-b.myshopify.com"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            session_token(SHOP_A, secret="forged-secret-of-at-least-32-bytes!"), id="forged"
        ),
        pytest.param(session_token(SHOP_A, expires_in=timedelta(seconds=-11)), id="expired"),
        pytest.param(session_token(SHOP_A, audience="another-app"), id="wrong-aud"),
        pytest.param(session_token(SHOP_A, dest_shop=SHOP_B), id="other-shop"),
        pytest.param(session_token("evil.com"), id="not-a-shop"),
        pytest.param("not.a.jwt", id="garbage"),
    ],
)
async def test_bad_session_token_is_401(connected: Connected, token: str) -> None:
    response = await connected.client.get("/api/v1/shop", headers=bearer(token))
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


# Endless streams cannot be read to the end here; tests/live/test_events.py proves that each
# of them carries only the signed-in shop's messages.
STREAMS = {"/api/v1/events"}


def api_routes(connected: Connected) -> list[tuple[str, str]]:
    """Every /api/v1 operation the app publishes (its OpenAPI route table)."""
    paths = connected.app.openapi()["paths"]
    routes = [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/v1") and path not in STREAMS
        for method in operations
    ]
    assert routes, "no /api/v1 routes found"
    return routes


async def test_shop_a_reaches_nothing_of_shop_b_on_any_api_route(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    for shop in (SHOP_A, SHOP_B):
        connected.shopify.shop(shop).name = f"Name of {shop}"
        assert (
            await connected.client.get("/api/v1/shop", headers=bearer(session_token(shop)))
        ).status_code == 200
    await finish_jobs(connected.app)
    shop_b = await _shop(connected, SHOP_B)
    ids_of_b = await objects_of(connected, shop_b)
    before = await all_stored_text(pg_engine)

    for method, path in api_routes(connected):
        # Every path parameter names one of shop B's objects: A must not reach it.
        concrete = re.sub(r"\{([^}]+)\}", lambda m: ids_of_b[m.group(1)], path)
        response = await connected.client.request(
            method, concrete, headers=bearer(session_token(SHOP_A)), json={}
        )
        assert response.status_code < 500, (method, path, response.text)
        assert SHOP_B not in response.text, (method, path)
        assert f"Name of {SHOP_B}" not in response.text, (method, path)
        assert "shop B's error" not in response.text, (method, path)
        unauthenticated = await connected.client.request(method, concrete, json={})
        assert unauthenticated.status_code in (401, 405), (method, path)
    assert await all_stored_text(pg_engine) == before  # and nothing of anyone was written


async def objects_of(connected: Connected, shop: Shop) -> dict[str, str]:
    """One object of each kind a /api/v1 path can name, belonging to `shop`. A new route with
    a new path parameter fails here until its kind is added (so it is covered too)."""
    async with connected.app.state.runtime.transaction() as session:
        export = await export_customer(
            session, shop.id or 0, CustomerRef(platform_id="1", email="b@example.com")
        )
        event = WebhookEvent(
            shop_id=shop.id or 0,
            delivery_id="b-1",
            topic="orders/create",
            payload="{}",
            status=EventStatus.FAILED,
            last_error="shop B's error",
        )
        session.add(event)
        await session.flush()
        cycle, objective, key_result = await create_okr(session, shop.id or 0)
    ids = {
        "export_id": str(export.id),
        "event_id": str(event.id),
        "key": "net_sales",
        "cycle_id": str(cycle.id),
        "objective_id": str(objective.id),
        "key_result_id": str(key_result.id),
    }
    names = {name for _, path in api_routes(connected) for name in re.findall(r"\{([^}]+)\}", path)}
    assert names <= set(ids), f"give the cross-shop test an object for {names - set(ids)}"
    return ids


async def _shop(connected: Connected, domain: str) -> Shop:
    from app.shops import repository

    async with connected.app.state.runtime.transaction() as session:
        shop = await repository.find_shop(session, Platform.SHOPIFY, domain)
        assert shop is not None
        return shop


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
