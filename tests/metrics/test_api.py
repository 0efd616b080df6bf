"""The metrics API: the catalogue, and a metric's value and series over shop-local dates."""

from __future__ import annotations

import pytest

from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery
from tests.webhooks.helpers import install

SHOP = "metrics.myshopify.com"


async def signed_in(connected: Connected) -> dict[str, str]:
    await install(connected, SHOP)
    return {"Authorization": f"Bearer {session_token(SHOP)}"}


async def test_an_order_webhook_moves_the_metric(connected: Connected) -> None:
    auth = await signed_in(connected)
    for topic, name in [("orders/create", "shopify_order"), ("refunds/create", "shopify_refund")]:
        headers, body = shopify_delivery(SHOP, topic, payload(name))
        await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    await finish_jobs(connected.app)

    query = {"from": "2026-11-23", "to": "2026-11-30", "granularity": "day"}
    gross = (
        await connected.client.get("/api/v1/metrics/gross_sales", params=query, headers=auth)
    ).json()
    net = (
        await connected.client.get("/api/v1/metrics/net_sales", params=query, headers=auth)
    ).json()
    aov = (await connected.client.get("/api/v1/metrics/aov", params=query, headers=auth)).json()

    assert gross["currency"] == "EUR"
    assert (gross["from"], gross["to"], gross["unit"]) == ("2026-11-23", "2026-11-30", "money")
    assert gross["value"] == "168.80"
    assert len(gross["series"]) == 8
    assert {p["period_start"]: p["value"] for p in gross["series"]}["2026-11-27"] == "168.80"
    assert net["value"] == "35.82"  # 168.80 − 16.88 − 116.10 (the refund, on the 30th)
    assert aov["value"] == "151.92"


async def test_weekly_series_start_on_mondays(connected: Connected) -> None:
    auth = await signed_in(connected)
    query = {"from": "2026-11-01", "to": "2026-11-30", "granularity": "week"}
    result = (
        await connected.client.get("/api/v1/metrics/orders", params=query, headers=auth)
    ).json()
    assert [p["period_start"] for p in result["series"]][:2] == ["2026-10-26", "2026-11-02"]
    assert result["value"] == "0"


async def test_unknown_metric_is_404_listing_the_valid_keys(connected: Connected) -> None:
    auth = await signed_in(connected)
    response = await connected.client.get(
        "/api/v1/metrics/happiness?from=2026-11-01&to=2026-11-02", headers=auth
    )
    assert response.status_code == 404
    assert "net_sales" in response.json()["error"]["details"]["valid"]


async def test_bad_ranges_are_422(connected: Connected) -> None:
    auth = await signed_in(connected)
    backwards = await connected.client.get(
        "/api/v1/metrics/orders?from=2026-11-02&to=2026-11-01", headers=auth
    )
    not_a_date = await connected.client.get(
        "/api/v1/metrics/orders?from=2026-13-01&to=2026-11-01", headers=auth
    )
    assert backwards.status_code == 422
    assert "from is after to" in backwards.json()["error"]["message"]
    assert not_a_date.status_code == 422


@pytest.mark.parametrize("granularity", ["day", "week", "month"])
async def test_ranges_beyond_the_calendar_metrics_cover_are_422(
    connected: Connected, granularity: str
) -> None:
    auth = await signed_in(connected)
    far = await connected.client.get(
        f"/api/v1/metrics/orders?from=9999-12-01&to=9999-12-31&granularity={granularity}",
        headers=auth,
    )
    ancient = await connected.client.get(
        f"/api/v1/metrics/orders?from=0001-01-01&to=0001-01-31&granularity={granularity}",
        headers=auth,
    )
    assert (far.status_code, ancient.status_code) == (422, 422)


async def test_catalogue_carries_the_definitions(connected: Connected) -> None:
    auth = await signed_in(connected)
    catalogue = (await connected.client.get("/api/v1/metrics", headers=auth)).json()
    by_key = {m["key"]: m for m in catalogue}
    assert by_key["aov"]["unit"] == "money"
    assert by_key["refund_rate"]["better"] == "lower"
    assert "own date" in by_key["returns"]["definition"]
