"""GET /api/v1/initiatives/{id}/results on real PostgreSQL: each group's members and what they
ordered within the attribution window (no earlier order, no later one, no test order), and the
lift on the linked net-sales key result."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from app.commerce.models import Order
from app.db import utcnow
from app.initiatives.experiments.models import ExperimentAssignment
from app.integrations.events import OrderState
from app.okr.models import KeyResult, Source
from tests.fixtures.objects import create_okr
from tests.initiatives.helpers import Store


def _order(shop_id: int, key: str, at: datetime, net: str, *, test: bool = False) -> Order:
    value = Decimal(net)
    return Order(
        shop_id=shop_id, platform_id=uuid.uuid4().hex[:20], name="#1", placed_at=at,
        platform_updated_at=at, state=OrderState.OPEN, test=test, currency="EUR",
        gross=value + 5, discounts=Decimal(5), shipping=Decimal(0), tax=Decimal(0),
        total=value, current_total=value, customer_key=key,
    )  # fmt: skip


async def _experiment(store: Store) -> tuple[int, int]:
    """A recovery initiative with a 50 % holdout linked to a net-sales key result: 200 held
    out of whom 20 ordered for 50.00, 200 treated of whom 40 did."""
    async with store.runtime.transaction() as session:
        _cycle, _objective, key_result = await create_okr(session, store.shop_id)
        key_result.source, key_result.metric_key = Source.METRIC, "net_sales"
        session.add(key_result)
    made = await store.api(
        "POST", "", 201, type="abandoned_checkout", name="Carts", holdout_share=0.5,
        key_result_ids=[key_result.id],
    )  # fmt: skip
    placed = utcnow() - timedelta(days=10)
    async with store.runtime.transaction() as session:
        for group, buyers in (("holdout", 20), ("treated", 40)):
            for n in range(200):
                key = f"id:{group}-{n}"
                session.add(
                    ExperimentAssignment(
                        shop_id=store.shop_id, initiative_id=made["id"], customer_key=key,
                        group=group, assigned_at=placed,
                    )
                )  # fmt: skip
                if n < buyers:
                    session.add(_order(store.shop_id, key, placed + timedelta(days=2), "50"))
        # Not counted: before the placement, after the window, a test order.
        session.add(_order(store.shop_id, "id:holdout-100", placed - timedelta(days=1), "80"))
        session.add(_order(store.shop_id, "id:holdout-101", placed + timedelta(days=8), "80"))
        session.add(
            _order(store.shop_id, "id:holdout-102", placed + timedelta(days=1), "80", test=True)
        )
    assert isinstance(key_result, KeyResult)
    return int(made["id"]), key_result.id or 0


async def test_results_count_each_groups_orders_within_the_window(store: Store) -> None:
    initiative_id, key_result_id = await _experiment(store)

    found = await store.api("GET", f"/{initiative_id}/results")

    results = found["results"]
    groups = {g["group"]: g for g in results["groups"]}
    assert (groups["holdout"]["members"], groups["holdout"]["converted"]) == (200, 20)
    assert (groups["treated"]["members"], groups["treated"]["converted"]) == (200, 40)
    assert Decimal(str(groups["treated"]["net_sales"])) == Decimal("2000")
    assert results["control"] == "holdout"
    assert results["verdict"] == "collecting"  # far from the planned sample
    assert results["sample_ratio"]["p_value"] == 1.0
    [lift] = found["key_results"]
    assert lift["key_result_id"] == key_result_id
    assert lift["measure"] == "net_sales"
    assert abs(lift["added"] - 1000.0) < 1e-6  # (10.00 − 5.00) per member × 200 treated
    assert lift["interval"]["low"] < 1000.0 < lift["interval"]["high"]
    assert lift["summary"].startswith("added 1,000.00 in net sales")


async def test_another_shops_initiative_has_no_results_here(store: Store) -> None:
    await store.api("GET", "/999999/results", 404)
