"""Uninstall and privacy requests: leave when told to, without a trace where required."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import metadata
from tests.fixtures.app import finish_jobs
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import (
    customer_redact_payload,
    data_request_payload,
    order_payload,
    shopify_delivery,
)
from tests.shops.helpers import all_stored_text, count_rows
from tests.webhooks.helpers import install

SHOP = "leaving.myshopify.com"
OTHER = "staying.myshopify.com"
ALICE = (191167, "alice@example.com", ("Alice", "Liddell"))
BOB = (191168, "bob@example.com", ("Bob", "Builder"))


async def deliver(connected: Connected, shop: str, topic: str, payload: dict[str, object]) -> None:
    headers, body = shopify_delivery(shop, topic, payload)
    response = await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    assert response.status_code == 200, response.text
    await finish_jobs(connected.app)


async def order_from(connected: Connected, shop: str, order_id: int, who: tuple) -> None:  # type: ignore[type-arg]
    customer_id, email, name = who
    await deliver(
        connected, shop, "orders/create", order_payload(order_id, customer_id, email, name)
    )


async def inbox_text(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        return "\n".join(
            (await connection.execute(text("SELECT payload FROM webhook_events"))).scalars()
        )


async def rows_of_shop(engine: AsyncEngine, shop_id: int) -> dict[str, int]:
    """Every table's count of rows belonging to the shop (the shops row included)."""
    counts: dict[str, int] = {}
    async with engine.connect() as connection:
        for table in metadata.sorted_tables:
            column = "id" if table.name == "shops" else "shop_id"
            if column in table.c:
                query = text(f'SELECT count(*) FROM "{table.name}" WHERE {column} = :id')
                counts[table.name] = (await connection.execute(query, {"id": shop_id})).scalar_one()
    return counts


async def test_uninstall_then_shop_redact_leaves_no_row_of_the_shop(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    leaving, staying = await install(connected, SHOP), await install(connected, OTHER)
    await order_from(connected, SHOP, 1, ALICE)
    await order_from(connected, OTHER, 2, BOB)
    await deliver(connected, SHOP, "customers/data_request", data_request_payload(SHOP, *ALICE[:2]))

    connected.shopify.shop(SHOP).revoked = True  # Shopify revokes our token as it uninstalls
    await deliver(connected, SHOP, "app/uninstalled", {"id": 548380009})
    await deliver(connected, SHOP, "shop/redact", {"shop_id": 954889, "shop_domain": SHOP})

    remaining = await rows_of_shop(pg_engine, leaving.id or 0)
    assert set(remaining) >= {"shops", "webhook_events", "customer_exports", "auth_nonces"}
    assert all(count == 0 for count in remaining.values()), remaining
    assert (await rows_of_shop(pg_engine, staying.id or 0))["webhook_events"] == 1


async def test_a_replayed_uninstall_and_redact_leave_an_installed_shop_alone(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    # Captured deliveries sent again with a fresh time and delivery id: their signature holds,
    # but the store still accepts our token, so the shop is still installed.
    shop = await install(connected, SHOP)
    await order_from(connected, SHOP, 1, ALICE)
    before = await rows_of_shop(pg_engine, shop.id or 0)

    await deliver(connected, SHOP, "app/uninstalled", {"id": 548380009})
    await deliver(connected, SHOP, "shop/redact", {"shop_id": 954889, "shop_domain": SHOP})

    after = await rows_of_shop(pg_engine, shop.id or 0)
    del before["webhook_events"], after["webhook_events"]  # the two deliveries themselves
    assert after == before
    answer = await connected.client.get(
        "/api/v1/shop", headers={"Authorization": f"Bearer {session_token(SHOP)}"}
    )
    assert answer.json()["status"] == "active"
    assert connected.shopify.token_requests == []  # the token it had: nothing was reinstalled


async def test_customer_redact_erases_name_and_email_everywhere(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, SHOP)
    await order_from(connected, SHOP, 1, ALICE)
    await order_from(connected, SHOP, 2, BOB)
    await deliver(connected, SHOP, "customers/data_request", data_request_payload(SHOP, *ALICE[:2]))
    before = await all_stored_text(pg_engine)
    assert "alice@example.com" in before
    assert "Liddell" in before
    amounts_before = (await inbox_text(pg_engine)).count('"59.90"')
    assert await count_rows(pg_engine, "orders") == 2  # the mirror holds them too
    assert await count_rows(pg_engine, "customers") == 2

    await deliver(connected, SHOP, "customers/redact", customer_redact_payload(SHOP, *ALICE[:2]))

    after = await all_stored_text(pg_engine)
    for trace in ("alice@example.com", "Liddell", "Alice"):
        assert trace not in after.replace("customers/redact", ""), trace
    # Other customers, and the amounts, are untouched.
    assert "bob@example.com" in after
    assert (await inbox_text(pg_engine)).count('"59.90"') == amounts_before


async def test_data_request_export_can_be_downloaded(connected: Connected) -> None:
    await install(connected, SHOP)
    await order_from(connected, SHOP, 1, ALICE)
    await order_from(connected, SHOP, 2, BOB)
    await deliver(connected, SHOP, "customers/data_request", data_request_payload(SHOP, *ALICE[:2]))
    auth = {"Authorization": f"Bearer {session_token(SHOP)}"}

    [summary] = (await connected.client.get("/api/v1/privacy/exports", headers=auth)).json()
    export = (
        await connected.client.get(f"/api/v1/privacy/exports/{summary['id']}", headers=auth)
    ).json()

    assert export["customer"]["email"] == "alice@example.com"
    payloads = [item["payload"] for item in export["data"]["webhook_payloads"]]
    assert [p["id"] for p in payloads if "line_items" in p] == [1]  # Alice's order, not Bob's
    other = {"Authorization": f"Bearer {session_token(OTHER)}"}
    await install(connected, OTHER)
    elsewhere = await connected.client.get(
        f"/api/v1/privacy/exports/{summary['id']}", headers=other
    )
    assert elsewhere.status_code == 404


async def test_merchant_can_erase_a_customer_through_the_api(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, SHOP)
    await order_from(connected, SHOP, 1, ALICE)
    auth = {"Authorization": f"Bearer {session_token(SHOP)}"}

    refused = await connected.client.post("/api/v1/privacy/customers/erase", json={}, headers=auth)
    erased = await connected.client.post(
        "/api/v1/privacy/customers/erase", json={"email": "alice@example.com"}, headers=auth
    )

    assert refused.status_code == 422
    assert erased.status_code == 200
    assert erased.json()["records_changed"] >= 1
    assert "alice@example.com" not in await all_stored_text(pg_engine)
