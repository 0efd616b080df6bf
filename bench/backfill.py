"""Backfill: orders per second from a store's Admin API through normalise + upsert + rollups
(issues #8 and #20: goal ≥ 5 000 orders/s at 100 k orders).

The demo store (`app/demo`), grown to N orders over about a year and a half of simulated
shopping (returning customers, refunds, cancellations, test orders; past 100 k its bulk export
replays the grown history, `replayed`), serves its Admin GraphQL API from its own process, as a
real store's API is another machine's work. StoreOKR reads it through `ingest.sync.sync_store`,
exactly as the backfill job does (from 2 500 orders the orders come from a bulk export, read as
a stream), into a fresh PostgreSQL database; then the rollups are checked against a rebuild from
the mirror.

Reported: orders/s for the orders pass, records/s for the whole pass (orders, abandoned
checkouts, customers), and the API alone (the same pages read and parsed, nothing written),
which is the ceiling the store's side sets on this machine.

    .venv/bin/python -m bench.backfill            # 100 k orders
    .venv/bin/python -m bench.backfill --quick    # CI: 1 000 orders, asserts nothing on speed
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Order, StoreSync, SyncKind
from app.demo.admin_api import admin_api, order_node
from app.demo.runner import demo_shops, install_demo_shop
from app.demo.shoppers import DemoStore
from app.ingest.sync import sync_store
from app.integrations.adapters import adapter_for
from app.integrations.base import HistoryExport
from app.integrations.clients import client_for
from app.metrics.rebuild import differences
from app.runtime import Runtime
from app.shops import service as shops
from app.startup import open_runtime
from app.tasks import registry
from bench.common import bench_settings, free_port, fresh_database, save, serving

SINCE = datetime(2000, 1, 1, tzinfo=UTC)
TICK = timedelta(minutes=5)  # the demo store's clock step while it grows its history
# Grown in memory up to this many orders; a longer history replays the grown one (a 1 M store
# took more than 40 minutes of a core and 17 GB to grow, 2026-12-01).
GROWN_AT_MOST = 100_000
COPY_IDS = 10**12  # ids of a replayed copy: above every id the demo store hands out


def grown_store(orders: int) -> DemoStore:
    """The demo store after enough simulated shopping to hold `orders` orders."""
    store = DemoStore(seed=11)
    now = datetime.now(UTC) - timedelta(days=orders * 5 // 1000 + 30)
    while len(store.orders) < orders:
        store.tick(now)
        now += TICK
    return store


def store_app(orders: int) -> FastAPI:
    """The store's API; past GROWN_AT_MOST orders its bulk export replays the grown history
    (its pages, customers and checkouts stay the grown store's)."""
    store = grown_store(min(orders, GROWN_AT_MOST))
    copies = -(-orders // GROWN_AT_MOST)
    exported = (lambda: replayed(store, copies)) if copies > 1 else None
    app = FastAPI()
    app.include_router(admin_api(store, exported))

    @app.get("/healthz")
    async def ready() -> dict[str, int]:
        return {"orders": orders}

    return app


def replayed(store: DemoStore, copies: int) -> Iterator[dict[str, Any]]:
    """The store's orders as export nodes, `copies` times over: each copy moved back by the
    history's span, with ids, names, e-mails and checkout tokens of its own — a long history
    without holding it in memory. The customers are new in each copy."""
    orders = list(store.orders.values())
    begins = min(datetime.fromisoformat(order["created_at"]) for order in orders)
    ends = max(datetime.fromisoformat(order["updated_at"]) for order in orders)
    span = ends - begins + timedelta(days=1)
    for copy in range(copies):
        for order in orders:
            node = order_node(order)
            yield node if copy == 0 else _copied(node, copy, span * copy)


def _copied(node: dict[str, Any], copy: int, back: timedelta) -> dict[str, Any]:
    def moved(at: str | None) -> str | None:
        return None if at is None else (datetime.fromisoformat(at) - back).isoformat()

    def gid(given: str) -> str:
        kind, _, number = given.rpartition("/")
        return f"{kind}/{int(number) + copy * COPY_IDS}"

    def tagged(email: str | None) -> str | None:
        return None if email is None else f"copy{copy}.{email}"

    customer, token = node["customer"], node["checkoutToken"]
    return node | {
        "id": gid(node["id"]),
        "legacyResourceId": gid(node["id"]).rpartition("/")[2],
        "name": f"{node['name']}-{copy}",
        "createdAt": moved(node["createdAt"]),
        "updatedAt": moved(node["updatedAt"]),
        "cancelledAt": moved(node["cancelledAt"]),
        "checkoutToken": f"{token}-{copy}" if token else None,
        "email": tagged(node["email"]),
        "customer": None
        if customer is None
        else {
            "id": gid(customer["id"]),
            "legacyResourceId": gid(customer["id"]).rpartition("/")[2],
            "email": tagged(customer["email"]),
        },
        "refunds": [
            refund
            | {
                "legacyResourceId": str(int(refund["legacyResourceId"]) + copy * COPY_IDS),
                "createdAt": moved(refund["createdAt"]),
                "refundLineItems": {
                    "nodes": [
                        item | {"lineItem": {"id": gid(item["lineItem"]["id"])}}
                        for item in refund["refundLineItems"]["nodes"]
                    ]
                },
            }
            for refund in node["refunds"]
        ],
        "lineItems": {
            "nodes": [line | {"id": gid(line["id"])} for line in node["lineItems"]["nodes"]]
        },
    }


async def api_only(runtime: Runtime, shop_id: int) -> tuple[int, float]:
    """Read every order page as the backfill does, writing nothing: (orders, seconds)."""
    async with runtime.transaction() as session:
        shop = await shops.require_shop(session, shop_id)
    client = client_for(shops.connection_for(runtime, shop), runtime.http, runtime.settings)
    started, cursor, count = time.perf_counter(), None, 0
    while True:
        page = await client.list_orders(SINCE, cursor)
        count += len(page.items)
        if page.next_cursor is None:
            return count, time.perf_counter() - started
        cursor = page.next_cursor


async def export_only(runtime: Runtime, shop_id: int) -> tuple[int, float]:
    """Read and normalise the store's bulk export of orders, writing nothing: (orders, s)."""
    async with runtime.transaction() as session:
        shop = await shops.require_shop(session, shop_id)
    client = client_for(shops.connection_for(runtime, shop), runtime.http, runtime.settings)
    assert isinstance(client, HistoryExport)
    adapter, count, started = adapter_for(shop.platform), 0, time.perf_counter()
    async for record in client.export_orders(SINCE):
        count += len(adapter.normalise_record("orders", record, shop.currency))
    return count, time.perf_counter() - started


async def backfill(runtime: Runtime, shop_id: int) -> dict[str, Any]:
    """The whole pass, timed per resource: when the pass first stood at each one."""
    reached: dict[str, float] = {}
    started = time.perf_counter()

    def progress(sync: StoreSync) -> None:
        if sync.resource not in reached:
            reached[sync.resource] = time.perf_counter() - started
            print(f"{sync.records} records by {reached[sync.resource]:.1f} s; now "
                  f"{sync.resource}", flush=True)  # fmt: skip

    sync = await sync_store(runtime, shop_id, SyncKind.BACKFILL, SINCE, progress)
    elapsed = time.perf_counter() - started
    async with AsyncSession(runtime.engine) as session:
        orders = (await session.exec(select(func.count()).where(Order.shop_id == shop_id))).one()
        mismatched = await differences(session, shop_id)
    # Resources go customers → orders → checkouts (`app.integrations.base.RESOURCES`).
    orders_seconds = reached.get("checkouts", elapsed) - reached.get("orders", 0.0)
    return {
        "orders": orders,
        "records": sync.records,
        "customers_seconds": round(reached.get("orders", 0.0), 2),
        "orders_seconds": round(orders_seconds, 2),
        "orders_per_s": round(orders / orders_seconds, 1),
        "checkouts_seconds": round(elapsed - reached.get("checkouts", elapsed), 2),
        "total_seconds": round(elapsed, 2),
        "records_per_s": round(sync.records / elapsed, 1),
        "rollups_equal_rebuild": not mismatched,
    }


async def main(orders: int) -> dict[str, Any]:
    port = free_port()
    await (await fresh_database()).dispose()
    base_url = f"http://127.0.0.1:{port}"
    settings = bench_settings().model_copy(
        update={"shopify_admin_url": f"{base_url}/demo/shopify/{{shop}}"}
    )
    store = [sys.executable, "-m", "bench.backfill", "--serve", str(port), "--orders", str(orders)]
    with serving(store, port, ready_within=900):
        async with open_runtime(settings, registry, run_cron=False) as runtime:
            # As `storeokr shop add` creates it, without webhooks or the automatic backfill.
            demo = demo_shops(base_url)[0]
            shop_id = await install_demo_shop(runtime, demo, connect=False)
            api_orders, api_seconds = await api_only(runtime, shop_id)
            export_orders, export_seconds = await export_only(runtime, shop_id)
            result = await backfill(runtime, shop_id)
    result["api_only_orders_per_s"] = round(api_orders / api_seconds, 1)
    result["export_only_orders_per_s"] = round(export_orders / export_seconds, 1)
    # The anchor, measured in the same run: the store's pages read alone (what a paged pass
    # could reach at best on this machine at this moment).
    result["ratio_to_pages_alone"] = round(
        result["orders_per_s"] / result["api_only_orders_per_s"], 2
    )
    print(
        f"{result['orders']} orders in {result['orders_seconds']} s: "
        f"{result['orders_per_s']} orders/s (API pages alone {result['api_only_orders_per_s']}/s, "
        f"bulk export read and normalised alone {result['export_only_orders_per_s']}/s; "
        f"ratio to the pages alone {result['ratio_to_pages_alone']}); "
        f"whole pass {result['records']} records at {result['records_per_s']}/s; "
        f"rollups equal a rebuild: {result['rollups_equal_rebuild']}",
        flush=True,
    )
    if not result["rollups_equal_rebuild"]:
        raise SystemExit("the backfilled rollups differ from a rebuild")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 000 orders; for CI")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:  # the store's own process
        import uvicorn

        uvicorn.run(store_app(arguments.orders), port=arguments.serve, log_level="warning")
    else:
        outcome = asyncio.run(main(1_000 if arguments.quick else arguments.orders))
        if not arguments.quick:
            print(save("backfill", outcome))
