"""Believable shoppers: sessions that become checkouts; some buy, some abandon and some come
back; returning customers; returns; a test order; shoppers paying in a second currency. Each
step is what Shopify would send, as deliveries with their own (sometimes repeated) ids."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.demo.catalog import (
    DEMO_ABANDONMENT_MINUTES,
    DEMO_SHOP,
    FIRST_NAMES,
    LAST_NAMES,
    PRODUCTS,
    Product,
)
from app.demo.payloads import Basket, Person
from app.demo.shapes import ShopifyShape, StoreShape

RETURNING_SHARE = 0.35
BUY_SHARE = 0.6
RECOVER_SHARE = 0.35  # of the abandoned, how many come back by themselves later
CONSENT_SHARE = 0.85  # of new shoppers, how many agree to marketing e-mails
REFUND_CHANCE = 0.05
TEST_ORDER_CHANCE = 0.02
DUPLICATE_CHANCE = 0.05  # at-least-once delivery: the same webhook id again
LATE_CHANCE = 0.03


@dataclass(frozen=True)
class Delivery:
    topic: str
    body: dict[str, Any]
    webhook_id: str
    due: datetime


@dataclass
class _Recovery:
    order_id: int
    token: str
    person: Person
    basket: Basket
    due: datetime


@dataclass
class DemoStore:
    """The store's state, which its Admin API serves, and the deliveries it makes."""

    seed: int = 7
    shop: str = DEMO_SHOP
    shape: StoreShape = field(default_factory=lambda: ShopifyShape(DEMO_SHOP, ""))
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    checkouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    subscriptions: list[dict[str, str]] = field(default_factory=list)
    discounts: list[dict[str, Any]] = field(default_factory=list)
    # Carts filled by a link (WooCommerce's shareable checkout link), by session token.
    carts: dict[str, list[tuple[Product, int]]] = field(default_factory=dict)
    first_customer_id: int = 6_000_000  # apart per store: the stores' shoppers share no address
    # A checkout not completed within this long of its last update was abandoned (a recovered
    # one came back later); those bought straight away never were.
    abandonment_delay: timedelta = timedelta(minutes=DEMO_ABANDONMENT_MINUTES)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._people: list[Person] = []
        self._recoveries: list[_Recovery] = []
        self._unfinished: dict[str, _Recovery] = {}  # checkouts not bought (yet), by token
        self._next_order, self._next_number, self._next_refund = 7_000_000, 1001, 9_000_000
        self._buyers: set[int] = set()  # customers with an order
        # The thank-you pages of returning customers' orders (order id, when), which the demo's
        # survey widget asks on (`app.demo.polls`).
        self.thank_you_pages: list[tuple[str, datetime]] = []

    def trade_before(self, first: datetime, now: datetime, every: timedelta) -> None:
        """The store's past from `first` until `now`, one tick every `every`: orders, customers
        and checkouts its API serves to a backfill (their webhooks went to nobody)."""
        moment = first
        while moment < now:
            self.tick(moment)
            moment += every

    def tick(self, now: datetime) -> list[Delivery]:
        """What happened in the store since the last tick."""
        deliveries: list[Delivery] = []
        for _ in range(self._rng.randint(0, 2)):
            deliveries += self._session(now)
        deliveries += self._recover_due(now)
        if self.orders and self._rng.random() < REFUND_CHANCE:
            deliveries += self._refund(now)
        if self.shape.has_test_orders and self._rng.random() < TEST_ORDER_CHANCE:
            order_id, person, basket = self._new_order_id(), self._person(now), self._basket()
            deliveries += self._order(order_id, person, basket, uuid.uuid4().hex, now, test=True)
        return self._as_delivered(deliveries, now)

    def _session(self, now: datetime) -> list[Delivery]:
        person, basket, order_id = self._person(now), self._basket(), self._new_order_id()
        token, (topic, body) = self.shape.checkout(order_id, uuid.uuid4().hex, person, basket, now)
        self.checkouts[token] = body
        started = [self._delivery(topic, body, now)]
        if self._rng.random() < BUY_SHARE:
            return started + self._order(
                order_id, person, basket, token, now + timedelta(seconds=1)
            )
        unfinished = _Recovery(order_id, token, person, basket, now)
        self._unfinished[token] = unfinished
        if self._rng.random() < RECOVER_SHARE:
            unfinished.due = now + timedelta(minutes=self._rng.randint(3, 10))
            self._recoveries.append(unfinished)
        return started

    def abandoned_checkouts(self) -> list[dict[str, Any]]:
        """The checkouts Shopify's `abandonedCheckouts` lists: with contact details and not
        completed within the abandonment delay — the open ones and those recovered later (with
        their `completed_at`), never those completed straight away."""
        return [c for c in self.checkouts.values() if self._abandoned(c)]

    def _abandoned(self, checkout: dict[str, Any]) -> bool:
        if not (checkout.get("email") or checkout.get("phone")):
            return False
        completed = checkout.get("completed_at")
        if not completed:
            return True
        left = datetime.fromisoformat(checkout["updated_at"])
        return datetime.fromisoformat(completed) > left + self.abandonment_delay

    def knows(self, email: str) -> bool:
        """Whether `email` is one of the store's shoppers' addresses."""
        return any(person.email == email for person in self._people)

    def recover(self, token: str, landing_site: str, now: datetime) -> list[Delivery]:
        """The shopper followed a recovery e-mail's link to their checkout and pays: the order,
        landed on `landing_site` (nothing if the checkout is gone or was bought)."""
        unfinished = self._unfinished.pop(token, None)
        if unfinished is None or self.checkouts.get(token, {}).get("completed_at"):
            return []
        self._recoveries = [r for r in self._recoveries if r.token != token]
        unfinished.basket.extra["landing_site"] = landing_site
        return self._as_delivered(
            self._order(unfinished.order_id, unfinished.person, unfinished.basket, token, now), now
        )

    def come_back(
        self, email: str, code: str | None, landing_site: str, now: datetime
    ) -> list[Delivery]:
        """A customer a win-back e-mail reached orders again, with its code."""
        person = next((p for p in self._people if p.email == email), None)
        if person is None:
            return []
        basket = self._basket()
        basket.discount_code, basket.extra["landing_site"] = code, landing_site
        token = uuid.uuid4().hex
        return self._as_delivered(
            self._order(self._new_order_id(), person, basket, token, now), now
        )

    def fill_cart(self, products: str) -> str | None:
        """A new cart from a checkout link's `products` (`<id>:<quantity>,…`, a variation by
        its own id), as WooCommerce's `CheckoutLink` fills one: its session token, or None
        when no product of the link is sold here."""
        items = []
        for pair in products.split(","):
            wanted, _, quantity = pair.partition(":")
            found = next(
                (p for p in PRODUCTS if wanted in (str(p.variant_id), str(p.product_id))), None
            )
            if found is not None and quantity.isdigit() and int(quantity) > 0:
                items.append((found, int(quantity)))
        if not items:
            return None
        session = uuid.uuid4().hex
        self.carts[session] = items
        return session

    def pay_cart(self, session: str, email: str, entry: str, now: datetime) -> list[Delivery]:
        """The shopper at `email` pays the cart a link filled: a new checkout (a new session is a
        new draft) and its order, which recorded the visit's `entry` page; the checkouts they
        had left are left for good (nothing if the cart or the shopper is unknown)."""
        items = self.carts.pop(session, None)
        person = next((p for p in self._people if p.email == email), None)
        if items is None or person is None:
            return []
        left = {t for t, r in self._unfinished.items() if r.person.email == email}
        self._recoveries = [r for r in self._recoveries if r.token not in left]
        for token in left:
            del self._unfinished[token]
        basket = Basket(items, extra={"landing_site": entry})
        order_id = self._new_order_id()
        token, (topic, body) = self.shape.checkout(order_id, uuid.uuid4().hex, person, basket, now)
        self.checkouts[token] = body
        started = [self._delivery(topic, body, now)]
        # Paid under the address the e-mail came to (a guest's order carries it too).
        paid = self._order(order_id, person, basket, token, now + timedelta(seconds=1), guest=False)
        return self._as_delivered(started + paid, now)

    def order_of(self, person: Person, at: datetime) -> list[Delivery]:
        """An order of `person` placed at `at`, signed in (never as a guest), stamped as
        delivered at `at`: the demo experiment's customers (`app.demo.experiment`), who are
        not among the shoppers the store's own trading picks, so they order only when told."""
        self.customers.setdefault(person.customer_id, person.as_customer(at))
        basket = self._basket()
        return self._order(self._new_order_id(), person, basket, uuid.uuid4().hex, at, guest=False)

    def _recover_due(self, now: datetime) -> list[Delivery]:
        due = [r for r in self._recoveries if r.due <= now]
        self._recoveries = [r for r in self._recoveries if r.due > now]
        deliveries: list[Delivery] = []
        for recovery in due:
            if self._unfinished.pop(recovery.token, None) is None:
                continue  # bought through an e-mail's link meanwhile
            recovery.basket.extra["landing_site"] = f"/checkouts/{recovery.token}/recover?key=demo"
            deliveries += self._order(
                recovery.order_id, recovery.person, recovery.basket, recovery.token, now
            )
        return deliveries

    def _new_order_id(self) -> int:
        self._next_order += 1
        return self._next_order

    def _order(
        self,
        order_id: int,
        person: Person,
        basket: Basket,
        token: str,
        at: datetime,
        *,
        test: bool = False,
        guest: bool | None = None,
    ) -> list[Delivery]:
        self._next_number += 1
        guest = self._rng.random() < 0.1 if guest is None else guest
        body, messages = self.shape.order(
            order_id, self._next_number, None if guest else person, basket, token, at, test=test
        )
        self.orders[body["id"]] = body
        if not test and not guest:
            if person.customer_id in self._buyers:
                self.thank_you_pages.append((str(body["id"]), at))
            self._buyers.add(person.customer_id)
        if token in self.checkouts:
            self.checkouts[token] = {**self.checkouts[token], "completed_at": at.isoformat()}
        return [self._delivery(topic, message, at) for topic, message in messages]

    def _refund(self, now: datetime) -> list[Delivery]:
        order = self.orders[self._rng.choice(list(self.orders))]  # no sort: a store grows large
        if order.get("test") or order["refunds"]:
            return []
        self._next_refund += 1
        messages = self.shape.refund(self._next_refund, order, now)
        return [self._delivery(topic, body, now) for topic, body in messages]

    def _person(self, now: datetime) -> Person:
        if self._people and self._rng.random() < RETURNING_SHARE:
            return self._rng.choice(self._people)
        first, last = self._rng.choice(FIRST_NAMES), self._rng.choice(LAST_NAMES)
        customer_id = self.first_customer_id + len(self._people) + 1
        person = Person(
            customer_id,
            f"{first}.{last}.{customer_id}@example.com".lower(),
            first,
            last,
            consents=self._rng.random() < CONSENT_SHARE,
        )
        self._people.append(person)
        self.customers[customer_id] = person.as_customer(now)
        return person

    def _basket(self) -> Basket:
        items = [
            (p, self._rng.randint(1, 2))
            for p in self._rng.sample(PRODUCTS, self._rng.randint(1, 3))
        ]
        code = "WELCOME10" if self._rng.random() < 0.2 else None
        presentment = "USD" if self._rng.random() < 0.15 else "EUR"
        return Basket(items, code, presentment)

    def _delivery(self, topic: str, body: dict[str, Any], at: datetime) -> Delivery:
        return Delivery(topic, dict(body), str(uuid.uuid4()), at)

    def _as_delivered(self, deliveries: list[Delivery], now: datetime) -> list[Delivery]:
        """Like Shopify: no order guaranteed, some late, some twice."""
        delivered: list[Delivery] = []
        for delivery in deliveries:
            late = timedelta(seconds=20) if self._rng.random() < LATE_CHANCE else timedelta(0)
            jitter = timedelta(milliseconds=self._rng.randint(0, 3000))
            delivered.append(
                Delivery(delivery.topic, delivery.body, delivery.webhook_id, now + jitter + late)
            )
            if self._rng.random() < DUPLICATE_CHANCE:
                again = now + timedelta(seconds=self._rng.randint(1, 10))
                delivered.append(
                    Delivery(delivery.topic, delivery.body, delivery.webhook_id, again)
                )
        return delivered
