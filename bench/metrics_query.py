"""Metric queries over a 90-day range, a key result's full status (value, score, pace and
forecast over a yearly cycle) and the whole scorecard of a cycle with 15 key results, at 10 k,
100 k and 1 M orders (issues #6 and #8: the 1 M time at most 1.5× the 10 k time; #20: the
scorecard at 1 M within 100 ms).

Orders are written straight into the mirror with SQL (two years of history, a customer pool a
third the size of the orders, a tenth of orders from guests without an e-mail), then the
rollups come from the product's own `metrics rebuild`. Each metric is then queried through
`metrics.service.evaluate`, as the API does, in a fresh session per call; the key result as
`GET /api/v1/key-results/{id}` computes it, the scorecard as `GET /api/v1/cycles/{id}/scorecard`
and the dashboard do (`okr.scorecard.scorecard`, then the API's body).

    .venv/bin/python -m bench.metrics_query            # 10 k, 100 k and 1 M orders
    .venv/bin/python -m bench.metrics_query --quick    # CI: 2 k and 20 k, asserts nothing
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.integrations.platforms import Platform
from app.metrics.periods import Granularity
from app.metrics.rebuild import rebuild
from app.metrics.service import evaluate
from app.okr import key_results as krs
from app.okr.evaluation import evaluate_key_result
from app.okr.models import KeyResult
from app.okr.scorecard import scorecard
from app.okr.scoring import Bands
from app.okr.service import get_cycle
from app.okr.views import scorecard_out
from app.shops.models import Shop
from bench.common import fresh_database, save, timed
from bench.okr_cycle import add_cycle

LAST_DAY = date(2026, 11, 22)
HISTORY_DAYS = 730
QUERIED = ("net_sales", "aov", "customers", "returning_customers", "checkout_conversion_rate")

# Deterministic pseudo-random orders: hashes of the row number, no Python loop over a million.
ORDERS_SQL = """
INSERT INTO orders (shop_id, platform_id, name, placed_at, platform_updated_at, state, test,
    status, currency, gross, discounts, shipping, tax, total, current_total, units,
    costed_sales, cost, customer_key, discount_codes)
SELECT :shop, n::text, '#' || n, placed, placed,
    CASE WHEN n % 50 = 0 THEN 'cancelled' ELSE 'open' END, n % 100 = 1, 'paid', 'EUR',
    gross, round(gross * (n % 4) / 20, 2), 4.90, 0, gross, gross, 1 + n % 3, 0, 0,
    CASE WHEN n % 10 = 0 THEN NULL
         ELSE 'id:' || (abs(hashtext(n::text || 'c')) % :customers) END, ''
FROM (
    SELECT n,
        timestamptz '2026-11-22 23:00:00+00'
            - make_interval(secs => abs(hashtext(n::text)) % (:days * 86400)) AS placed,
        round((10 + abs(hashtext(n::text || 'g')) % 19000 / 100.0)::numeric, 2) AS gross
    FROM generate_series(1, :orders) AS n
) AS generated
"""


async def load(engine: AsyncEngine, orders: int) -> tuple[int, float]:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        shop = Shop(
            platform=Platform.SHOPIFY,
            domain=f"bench-{orders}.myshopify.com",
            name=f"Bench {orders}",
            currency="EUR",
            timezone="Europe/Berlin",
        )
        session.add(shop)
        await session.flush()
        values = {"shop": shop.id, "orders": orders, "customers": max(1, orders // 3)}
        await session.exec(text(ORDERS_SQL).bindparams(days=HISTORY_DAYS, **values))  # type: ignore[call-overload]
    started = time.perf_counter()
    async with AsyncSession(engine) as session, session.begin():
        await rebuild(session, shop.id or 0)
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    return shop.id or 0, time.perf_counter() - started


async def query(engine: AsyncEngine, shop_id: int, key: str) -> None:
    async with AsyncSession(engine) as session:
        start = LAST_DAY - timedelta(days=89)
        await evaluate(session, shop_id, key, start, LAST_DAY, Granularity.DAY)


async def query_key_result(engine: AsyncEngine, shop_id: int, kr_id: int) -> None:
    """What GET /api/v1/key-results/{id} computes: value, score, pace and forecast."""
    async with AsyncSession(engine) as session:
        kr = await session.get(KeyResult, kr_id)
        assert kr is not None
        cycle = await krs.cycle_of(session, shop_id, kr)
        await evaluate_key_result(session, shop_id, kr, cycle, LAST_DAY, Bands())


async def query_scorecard(engine: AsyncEngine, shop_id: int, cycle_id: int) -> None:
    """What GET /api/v1/cycles/{id}/scorecard computes, and the dashboard shows: every key
    result's status, rolled up into objectives."""
    async with AsyncSession(engine) as session:
        cycle = await get_cycle(session, shop_id, cycle_id)
        scorecard_out(await scorecard(session, shop_id, cycle, LAST_DAY))


async def main(sizes: tuple[int, ...], runs: int) -> dict[str, Any]:
    engine = await fresh_database()
    results: dict[str, Any] = {"sizes": list(sizes), "range_days": 90, "metrics": {}}
    try:
        shops = {}
        for size in sizes:
            shops[size], seconds = await load(engine, size)
            results[f"rebuild_seconds_{size}"] = round(seconds, 2)
            print(f"{size} orders loaded; rollups rebuilt in {seconds:.1f} s", flush=True)
        cycles = {size: await add_cycle(engine, shops[size]) for size in sizes}
        for name in [*QUERIED, "key_result", "scorecard"]:
            row: dict[str, Any] = {}
            for size in sizes:
                row[str(size)] = await timed(_action(engine, name, shops[size], cycles[size]), runs)
            medians = [row[str(size)]["median_ms"] for size in sizes]
            row["ratio"] = round(medians[-1] / medians[0], 2)
            results["metrics"][name] = row
            figures = " ".join(f"{m:8.2f} ms" for m in medians)
            print(f"{name:28} {figures}  ratio {row['ratio']}", flush=True)
        results["scorecard_per_key_result"] = _against_one(results["metrics"], sizes)
    finally:
        await engine.dispose()
    return results


def _action(
    engine: AsyncEngine, name: str, shop_id: int, cycle: tuple[int, int]
) -> Callable[[], Awaitable[None]]:
    cycle_id, first_key_result = cycle
    if name == "key_result":
        return partial(query_key_result, engine, shop_id, first_key_result)
    if name == "scorecard":
        return partial(query_scorecard, engine, shop_id, cycle_id)
    return partial(query, engine, shop_id, name)


def _against_one(metrics: dict[str, Any], sizes: tuple[int, ...]) -> dict[str, float]:
    """The whole scorecard's time over one key result's, at each size (15 would be no sharing)."""
    ratios = {}
    for size in sizes:
        whole, one = (metrics[name][str(size)]["median_ms"] for name in ("scorecard", "key_result"))
        ratios[str(size)] = round(whole / one, 2)
    print(f"{'scorecard / key result':28} " + " ".join(f"{r:8.2f}   " for r in ratios.values()))
    return ratios


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; for CI")
    parser.add_argument("--save-as", default="metrics_query", help="results file name")
    arguments = parser.parse_args()
    sizes = (2_000, 20_000) if arguments.quick else (10_000, 100_000, 1_000_000)
    outcome = asyncio.run(main(sizes, runs=5 if arguments.quick else 50))
    if not arguments.quick:
        print(save(arguments.save_as, outcome))
