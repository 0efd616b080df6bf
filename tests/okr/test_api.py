"""The OKR API over a connected shop: cycles, objectives, key results bound to live metrics,
check-ins, roll-ups, closing and carrying over."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from app.db import utcnow
from app.integrations.platforms import Platform
from app.metrics.figures import local_day
from app.shops.repository import find_shop
from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery
from tests.okr.history import with_sales
from tests.webhooks.helpers import install

SHOP = "okr.myshopify.com"
TZ = "Europe/Berlin"  # the installed shop's time zone


class Api:
    def __init__(self, connected: Connected) -> None:
        self.connected = connected
        self.auth = {"Authorization": f"Bearer {session_token(SHOP)}"}

    async def call(self, method: str, path: str, status: int = 200, **body: Any) -> Any:
        response = await self.connected.client.request(
            method, f"/api/v1{path}", headers=self.auth, json=body or None
        )
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    async def post(self, path: str, status: int = 201, **body: Any) -> Any:
        return await self.call("POST", path, status, **body)

    async def get(self, path: str) -> Any:
        return await self.call("GET", path)


async def api(connected: Connected) -> Api:
    await install(connected, SHOP)
    return Api(connected)


async def installed_shop_id(connected: Connected) -> int:
    async with connected.app.state.runtime.transaction() as session:
        shop = await find_shop(session, Platform.SHOPIFY, SHOP)
        assert shop is not None
        assert shop.id is not None
        return shop.id


def orders_on(day: date, first: date) -> int:
    """The orders `tests.okr.history.with_sales` writes on `day` of a history from `first`."""
    n = day.toordinal()
    return 5 + n % 4 + (n - first.toordinal()) // 30


async def objective(client: Api, cycle_id: int, **fields: Any) -> Any:
    values = {"cycle_id": cycle_id, "title": "Grow revenue", "kind": "increase_revenue"}
    return await client.post("/objectives", **{**values, **fields})


async def post_order_today(connected: Connected) -> None:
    body = payload("shopify_order")
    now = utcnow().replace(microsecond=0).isoformat()
    body["created_at"] = body["updated_at"] = body["processed_at"] = now
    headers, raw = shopify_delivery(SHOP, "orders/create", body)
    assert (
        await connected.client.post("/webhooks/shopify", headers=headers, content=raw)
    ).status_code == 200
    await finish_jobs(connected.app)


async def test_an_order_moves_a_metric_key_result_with_no_check_in(connected: Connected) -> None:
    client = await api(connected)
    cycle = await client.post("/cycles", year=utcnow().year)
    assert [q["name"] for q in cycle["quarters"]] == ["Q1", "Q2", "Q3", "Q4"]
    goal = await objective(client, cycle["id"])
    kr = await client.post(
        "/key-results",
        objective_id=goal["id"],
        title="Ten orders this year",
        source="metric",
        metric_key="orders",
        kr_type="increase_to",
        start_value="0",
        target="10",
    )
    assert kr["status"]["value"] == "0"
    assert kr["status"]["score"] == 0

    await post_order_today(connected)
    moved = await client.get(f"/key-results/{kr['id']}")
    assert moved["status"]["value"] == "1"
    assert moved["status"]["score"] > 0
    assert moved["status"]["band"] in ("red", "yellow", "green")

    # One source of truth: the metric API gives the same value for the same dates.
    dates = {"from": moved["status"]["from"], "to": moved["status"]["to"]}
    metric = await client.connected.client.get(
        "/api/v1/metrics/orders", params=dates, headers=client.auth
    )
    assert metric.json()["value"] == moved["status"]["value"]


async def test_start_value_defaults_to_the_period_before(connected: Connected) -> None:
    client = await api(connected)
    today = local_day(utcnow(), TZ)
    cycle = await client.post(
        "/cycles", name="Next week", start=str(today + timedelta(days=1)),
        end=str(today + timedelta(days=7)),
    )  # fmt: skip
    shop_id = await installed_shop_id(connected)
    async with connected.app.state.runtime.transaction() as session:  # three weeks of sales
        await with_sales(session, shop_id, today - timedelta(days=20), today)
    goal = await objective(client, cycle["id"])
    kr = await client.post(
        "/key-results", objective_id=goal["id"], title="More orders", source="metric",
        metric_key="orders", kr_type="increase_to", target="500",
    )  # fmt: skip
    week_before = sum(orders_on(today - timedelta(days=back), today - timedelta(days=20))
                      for back in range(7))  # fmt: skip
    assert (kr["start_value"], kr["start_is_auto"]) == (str(week_before), True)
    assert kr["start_basis"] == "period_before"
    assert kr["status"]["value"] is None  # the cycle has not begun


async def test_invalid_key_results_are_422_naming_the_field(connected: Connected) -> None:
    client = await api(connected)
    cycle = await client.post("/cycles", year=2026)
    goal = await objective(client, cycle["id"])
    base = {"objective_id": goal["id"], "title": "x", "source": "manual"}
    cases = [
        ({"kr_type": "decrease_to", "start_value": "5", "target": "8"}, "target"),
        ({"kr_type": "increase_to", "start_value": "5", "target": "5"}, "target"),
        ({"kr_type": "increase_to", "target": "5"}, "start_value"),
        ({"kr_type": "stay_above"}, "target"),
        (
            {"kr_type": "increase_to", "start_value": "1", "target": "2", "window": "range",
             "window_start": "2026-03-01", "window_end": "2026-03-01"},
            "window_end",
        ),
        ({"kr_type": "increase_to", "source": "metric", "metric_key": "nope"}, "metric_key"),
    ]  # fmt: skip
    for fields, field in cases:
        error = await client.post("/key-results", 422, **{**base, **fields})
        assert field in error["error"]["details"]["fields"], (fields, error)
    assert (await client.get(f"/key-results?objective_id={goal['id']}")) == []


async def test_weighted_roll_up_through_two_levels_of_alignment(connected: Connected) -> None:
    client = await api(connected)
    cycle = await client.post("/cycles", year=2026)
    company = await objective(client, cycle["id"], title="Company")
    team = await objective(
        client, cycle["id"], title="Team", level="team", parent_id=company["id"], weight=3
    )
    person = await objective(
        client, cycle["id"], title="Me", level="individual", parent_id=team["id"]
    )
    for owner, value, weight in ((company, "10", 1), (team, "5", 1), (person, "0", 1)):
        kr = await client.post(
            "/key-results", objective_id=owner["id"], title="k", source="manual",
            kr_type="increase_to", start_value="0", target="10", weight=weight,
        )  # fmt: skip
        await client.post(f"/key-results/{kr['id']}/check-ins", value=value, confidence=6)
    card = await client.get(f"/cycles/{cycle['id']}/scorecard")
    [top] = card["objectives"]
    [middle] = top["children"]
    [bottom] = middle["children"]
    assert bottom["score"] == 0.0
    assert middle["score"] == 0.25  # (0.5 + 0.0) / 2
    assert top["score"] == (1.0 * 1 + 0.25 * 3) / 4
    assert card["score"] == top["score"]


async def test_alignment_loops_and_foreign_parents_are_refused(connected: Connected) -> None:
    client = await api(connected)
    cycle = await client.post("/cycles", year=2026)
    other = await client.post("/cycles", year=2027)
    a = await objective(client, cycle["id"], title="A")
    b = await objective(client, cycle["id"], title="B", parent_id=a["id"])
    error = await client.call("PATCH", f"/objectives/{a['id']}", 422, parent_id=b["id"])
    assert "loop" in error["error"]["details"]["fields"]["parent_id"]
    stranger = await objective(client, other["id"], title="C")
    error = await client.call("PATCH", f"/objectives/{b['id']}", 422, parent_id=stranger["id"])
    assert "same cycle" in error["error"]["details"]["fields"]["parent_id"]


async def test_more_than_five_company_objectives_warns_and_unmeasured_ones_are_flagged(
    connected: Connected,
) -> None:
    client = await api(connected)
    cycle = await client.post("/cycles", year=2026)
    for number in range(5):
        assert (await objective(client, cycle["id"], title=f"O{number}"))["warnings"] == []
    sixth = await objective(client, cycle["id"], title="O5")
    assert "at most 5" in sixth["warnings"][0]
    card = await client.get(f"/cycles/{cycle['id']}/scorecard")
    assert card["warnings"] == sixth["warnings"]
    assert all("no key results" in o["flags"][0] for o in card["objectives"])


async def test_check_ins_move_manual_key_results_and_keep_history(connected: Connected) -> None:
    client = await api(connected)
    cycle = await client.post("/cycles", year=utcnow().year)
    goal = await objective(client, cycle["id"], kind="decrease_costs")
    kr = await client.post(
        "/key-results", objective_id=goal["id"], title="Packing minutes per order",
        source="manual", kr_type="decrease_to", start_value="12", target="8", unit="min",
    )  # fmt: skip
    await client.post(f"/key-results/{kr['id']}/check-ins", value="10", confidence=5)
    entry = await client.post(
        f"/key-results/{kr['id']}/check-ins", value="9", comment="new tables", author="Ana"
    )
    assert entry["score"] == 0.75
    status = (await client.get(f"/key-results/{kr['id']}"))["status"]
    assert (status["value"], status["score"]) == ("9", 0.75)
    history = await client.get(f"/key-results/{kr['id']}/history")
    assert [h["value"] for h in history] == ["10", "9"]
    assert history[1]["comment"] == "new tables"
    error = await client.post(f"/key-results/{kr['id']}/check-ins", 422, confidence=11)
    assert error["error"]["code"] == "invalid"
    # A value the database could not hold is refused, not a 500.
    await client.post(f"/key-results/{kr['id']}/check-ins", 422, value="1e30")
    assert len(await client.get(f"/key-results/{kr['id']}/history")) == 2


async def test_closing_freezes_scores_and_unfinished_objectives_carry_over(
    connected: Connected,
) -> None:
    client = await api(connected)
    cycle = await client.post("/cycles", year=2026)
    goal = await objective(client, cycle["id"])
    kr = await client.post(
        "/key-results", objective_id=goal["id"], title="Page speed", source="manual",
        kr_type="decrease_to", start_value="4", target="2", unit="s",
    )  # fmt: skip
    await client.post(f"/key-results/{kr['id']}/check-ins", value="3")
    closed = await client.post(
        f"/cycles/{cycle['id']}/close", 200, retrospectives={str(goal["id"]): "Half way."}
    )
    assert closed["status"] == "closed"
    frozen = await client.get(f"/objectives/{goal['id']}")
    assert (frozen["final_score"], frozen["retrospective"]) == (0.5, "Half way.")
    await client.post(f"/key-results/{kr['id']}/check-ins", 409, value="2")  # final is final

    following = await client.post("/cycles", year=2027)
    [copy] = await client.post(
        f"/cycles/{cycle['id']}/carry-over", to_cycle_id=following["id"],
        objective_ids=[goal["id"]],
    )  # fmt: skip
    [carried] = await client.get(f"/key-results?objective_id={copy['id']}")
    assert (carried["start_value"], carried["target"]) == ("3", "2")  # from where it ended


async def test_templates_fill_in_from_the_shops_history_in_one_call(
    connected: Connected,
) -> None:
    client = await api(connected)
    today = local_day(utcnow(), TZ)
    cycle = await client.post(
        "/cycles", name="Next month", start=str(today + timedelta(days=1)),
        end=str(today + timedelta(days=30)),
    )  # fmt: skip
    async with connected.app.state.runtime.transaction() as session:  # two months of sales
        await with_sales(session, await installed_shop_id(connected), today - timedelta(60), today)
    offered = {t["id"]: t for t in await client.get(f"/templates?cycle_id={cycle['id']}")}
    assert set(offered) == {"revenue", "loyalty", "costs"}
    aov = next(k for k in offered["revenue"]["key_results"] if k["metric_key"] == "aov")
    assert aov["missing"] is None
    assert Decimal(aov["target"]) > Decimal(aov["start"]) > 0  # the start taken from the history
    conversion = offered["revenue"]["key_results"][0]
    assert conversion["metric_key"] == "checkout_conversion_rate"
    assert conversion["missing"]  # no checkouts in this history: said, not filled with nothing

    created = await client.post("/templates/apply", cycle_id=cycle["id"])
    assert "increase_revenue" in [o["kind"] for o in created]
    for made in created:  # never an objective without key results
        krs = await client.get(f"/key-results?objective_id={made['id']}")
        assert krs
        assert all(k["start_value"] is not None for k in krs)
    revenue = await client.get(f"/key-results?objective_id={created[0]['id']}")
    assert [k["metric_key"] for k in revenue] == ["aov", "net_sales"]  # conversion: no history
    assert revenue[0]["start_is_auto"] is True
    error = await client.post("/templates/apply", 422, cycle_id=cycle["id"], template_ids=["x"])
    assert "template_ids" in error["error"]["details"]["fields"]


async def test_score_bands_are_configurable_per_shop(connected: Connected) -> None:
    client = await api(connected)
    assert await client.get("/okr-settings") == {"green_from": 0.7, "yellow_from": 0.4}
    cycle = await client.post("/cycles", year=2026)
    goal = await objective(client, cycle["id"])
    kr = await client.post(
        "/key-results", objective_id=goal["id"], title="k", source="manual",
        kr_type="increase_to", start_value="0", target="10",
    )  # fmt: skip
    await client.post(f"/key-results/{kr['id']}/check-ins", value="7.5")
    assert (await client.get(f"/key-results/{kr['id']}"))["status"]["band"] == "green"
    await client.call("PUT", "/okr-settings", green_from=0.8, yellow_from=0.5)
    assert (await client.get(f"/key-results/{kr['id']}"))["status"]["band"] == "yellow"
    await client.call("PUT", "/okr-settings", 422, green_from=0.5, yellow_from=0.6)


async def test_ids_too_large_for_the_database_are_refused_with_a_422(connected: Connected) -> None:
    client = await api(connected)
    too_large = 2**31

    for path in (f"/cycles/{too_large}", f"/key-results/{too_large}",
                 f"/objectives?cycle_id={too_large}"):  # fmt: skip
        await client.call("GET", path, 422)
