"""Row-lock contention on one shop-day during a flash sale (issue #6).

Several workers apply new orders for one shop, all placed on the same day, each order in its
own transaction, exactly as webhook jobs do. With one row per shop-day every transaction
queues on that row's lock until the one before it commits; slots spread a day over several
rows. Run once with the product's slots and once with every order forced onto slot 0.

    .venv/bin/python -m bench.rollup_contention            # 3 000 orders per run
    .venv/bin/python -m bench.rollup_contention --quick    # CI: 200 orders, asserts nothing
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import service
from app.integrations.events import CustomerSnapshot, OrderLine, OrderSnapshot, OrderState
from app.integrations.platforms import Platform
from app.metrics.deltas import ROLLUPS
from app.metrics.models import SLOTS
from app.shops.models import Shop
from bench.common import fresh_database, save

SALE_DAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Black Friday morning
_numbers = itertools.count(1)


def order(number: int) -> OrderSnapshot:
    placed = SALE_DAY + timedelta(seconds=number % 3600)
    price = Decimal("19.90")
    return OrderSnapshot(
        platform_id=str(number),
        name=f"#{number}",
        created_at=placed,
        updated_at=placed,
        state=OrderState.OPEN,
        test=False,
        currency="EUR",
        gross=price,
        discounts=Decimal(0),
        shipping=Decimal(0),
        tax=Decimal(0),
        total=price,
        current_total=price,
        status="paid",
        customer=CustomerSnapshot(f"c{number}", f"buyer{number}@example.com"),
        lines=(OrderLine("1", "p", "v", 1, price),),
    )


async def apply_orders(engine: AsyncEngine, shop_id: int, count: int, workers: int) -> float:
    """Orders per second with `workers` concurrent transactions."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for _ in range(count):
        queue.put_nowait(next(_numbers))

    async def worker() -> None:
        while not queue.empty():
            number = queue.get_nowait()
            async with AsyncSession(engine) as session, session.begin():
                await service.apply_order(session, shop_id, order(number), ROLLUPS)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return count / (time.perf_counter() - started)


async def new_shop(engine: AsyncEngine) -> int:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        number = next(_numbers)
        shop = Shop(
            platform=Platform.SHOPIFY,
            domain=f"flash-{number}.myshopify.com",
            name="Flash sale",
            currency="EUR",
            timezone="Europe/Berlin",
        )
        session.add(shop)
    return shop.id or 0


async def main(count: int, worker_counts: tuple[int, ...]) -> dict[str, Any]:
    engine = await fresh_database()
    runs: dict[str, Any] = {}
    try:
        for workers in worker_counts:
            slotted = await apply_orders(engine, await new_shop(engine), count, workers)
            with (
                mock.patch("app.metrics.deltas.slot_of", return_value=0),
                mock.patch("app.metrics.customers.slot_of", return_value=0),
            ):
                single = await apply_orders(engine, await new_shop(engine), count, workers)
            runs[str(workers)] = {
                f"orders_per_s_{SLOTS}_slots": round(slotted, 1),
                "orders_per_s_1_slot": round(single, 1),
                "gain": round(slotted / single, 2),
            }
            print(
                f"{workers} workers: {slotted:7.1f}/s with {SLOTS} slots, "
                f"{single:7.1f}/s with 1 slot ({slotted / single:.2f}×)",
                flush=True,
            )
    finally:
        await engine.dispose()
    return {"orders_per_run": count, "workers": runs}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run; for CI")
    arguments = parser.parse_args()
    outcome = asyncio.run(
        main(200 if arguments.quick else 3000, (1, 4) if arguments.quick else (1, 4, 8, 16))
    )
    if not arguments.quick:
        print(save("rollup_contention", outcome))
