"""The demo's experiment with a known true effect (issue #19, acceptance 4): a win-back offer
tested on the Shopify demo store against a 50 % holdout, three weeks ago, on 800 lapsed
customers of its own. Every one of them has an order four months old; in the week after being
placed, a held-out customer orders again with probability 5 %, a treated one with 15 %. So the
simulated truth is 0.10 orders per treated customer: the offer added 0.10 × (treated
customers) orders to the store, and the experiment's results page must say so within its
interval.

These customers are new people, not among the shoppers the store's own trading picks, so
nothing else moves their orders; their orders reach the service as the store's other orders
do, as signed webhooks (delivered now, placed when they were). The initiative is the replay of
a finished test: it is created, its customers placed at its start, and it is ended — it sends
nothing today."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from app.db import utcnow
from app.demo.initiatives import backfilled
from app.demo.payloads import Person
from app.demo.shoppers import Delivery, DemoStore
from app.initiatives import service
from app.initiatives.experiments.assignment import assign
from app.initiatives.models import InitiativeStatus, InitiativeType
from app.initiatives.schemas import InitiativeIn, Variant
from app.okr.models import KeyResult
from app.runtime import Runtime

NAME = "Win-back offer against a holdout"
CUSTOMERS = 800
HOLDOUT_SHARE = 0.5
WITHOUT, WITH = 0.05, 0.15  # chance of an order within the week after being placed
TRUE_EFFECT = WITH - WITHOUT  # orders per treated customer
STARTED = timedelta(days=21)
FIRST_ORDER = timedelta(days=120)
FIRST_ID = 8_000_000  # customer ids apart from the store's shoppers' (6 000 000 on)
METRIC = "orders"
ACTOR = "demo"


@dataclass(frozen=True)
class Replayed:
    initiative_id: int
    treated: int
    true_added: float  # TRUE_EFFECT × treated: the orders the offer added, in expectation


async def replay(
    runtime: Runtime, store: DemoStore, shop_id: int, now: datetime, seed: int = 19
) -> tuple[Replayed, list[Delivery]]:
    """Create the ended experiment, place its customers at its start, and return what the
    store delivers: each customer's first order and, by their group's chance, their next."""
    rng = random.Random(seed)
    started = now - STARTED
    people = [_person(n) for n in range(CUSTOMERS)]
    async with runtime.transaction() as session:
        linked = (
            await session.exec(
                select(KeyResult.id)
                .where(KeyResult.shop_id == shop_id, KeyResult.metric_key == METRIC)
                .order_by(col(KeyResult.id))
            )
        ).first()
        body = InitiativeIn(
            type=InitiativeType.WIN_BACK, name=NAME, holdout_share=HOLDOUT_SHARE,
            variants=[Variant(key="offer")], key_result_ids=[linked] if linked else [],
        )  # fmt: skip
        initiative = await service.create(session, shop_id, body, ACTOR, started)
        assert initiative.id is not None
        await service.move(session, shop_id, initiative.id, InitiativeStatus.ACTIVE, ACTOR, started)
        await service.move(session, shop_id, initiative.id, InitiativeStatus.ENDED, ACTOR, now)
        groups = await assign(session, initiative, [f"id:{p.customer_id}" for p in people], started)
    first: list[Delivery] = []
    again: list[Delivery] = []
    for person in people:
        first += store.order_of(person, started - FIRST_ORDER)
        held_out = groups[f"id:{person.customer_id}"] == "holdout"
        if rng.random() < (WITHOUT if held_out else WITH):
            again += store.order_of(person, started + timedelta(hours=rng.uniform(1, 160)))
    treated = sum(1 for group in groups.values() if group != "holdout")
    # The orders that decide the experiment first: the old ones change none of its figures.
    sent_now = [Delivery(d.topic, d.body, d.webhook_id, now) for d in again + first]
    return Replayed(initiative.id, treated, TRUE_EFFECT * treated), sent_now


def _person(n: int) -> Person:
    customer_id = FIRST_ID + n
    return Person(customer_id, f"lapsed.{customer_id}@example.com", "Alex", "Demo")


async def replay_after_backfill(
    runtime: Runtime, store: DemoStore, shop_id: int, add: Callable[[list[Delivery]], None]
) -> None:
    """Replay the experiment once the shop's past is in, handing its orders to `add` (the
    store's courier)."""
    await backfilled(runtime, shop_id)
    _replayed, deliveries = await replay(runtime, store, shop_id, utcnow())
    add(deliveries)
