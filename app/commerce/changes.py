"""What a write to the mirror changed: change records, and the domain events they become.

The mirror's writers hand each round's change records, under the round's locks and in its
transaction, to the `ChangeWriter` they are given (the metric rollups, which must move by the
exact delta of each change and roll back with it: `app.metrics.deltas`), and publish what
happened as domain events after commit, for whoever subscribed (`app/wiring.py`). Commerce
imports neither: the layer above passes the writer in and subscribes to the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Checkout, Order
from app.events import DomainEvent, publish_after_commit
from app.integrations.events import OrderSnapshot, OrderState, Refund

# --- Change records: the state before and after, as the rollups need them -------------------


@dataclass(frozen=True)
class OrderWritten:
    before: Order | None  # the state we held, detached; None for a new order
    after: OrderSnapshot


@dataclass(frozen=True)
class CheckoutFacts:
    """What a checkout's state means for the checkout figures (and its events)."""

    started_at: datetime
    contact_given: bool
    completed: bool
    abandoned: bool
    recovered: bool
    order_value: Decimal | None


def facts_of_checkout(checkout: Checkout | None) -> CheckoutFacts | None:
    if checkout is None:
        return None
    return CheckoutFacts(
        started_at=checkout.started_at,
        contact_given=checkout.contact_given_at is not None,
        completed=checkout.completed_at is not None,
        abandoned=checkout.abandoned_at is not None,
        recovered=checkout.abandoned_at is not None and checkout.recovered_at is not None,
        order_value=checkout.order_value,
    )


@dataclass(frozen=True)
class CheckoutWritten:
    before: CheckoutFacts | None  # None for a checkout first seen now
    after: Checkout  # the row as written (its lock is held until the transaction ends)


@dataclass(frozen=True)
class CheckoutKnown:
    """A checkout row inserted as it stands, not loaded back (a backfill inserts one per order:
    building each as an ORM object cost a third of its speed)."""

    token: str
    facts: CheckoutFacts


class ChangeWriter(Protocol):
    """What moves with the mirror in its own transaction, round by round."""

    async def orders_written(
        self, session: AsyncSession, shop_id: int, written: list[OrderWritten]
    ) -> None:
        """Orders were created or replaced by newer states; their refunds held before this
        round are still as they were (new ones follow in `refunds_written`)."""

    async def refunds_written(
        self, session: AsyncSession, shop_id: int, refunds: list[Refund]
    ) -> None:
        """Refunds were recorded for the first time."""

    async def checkouts_written(
        self, session: AsyncSession, shop_id: int, written: list[CheckoutWritten]
    ) -> None:
        """Checkout rows changed."""

    async def checkouts_known(
        self, session: AsyncSession, shop_id: int, known: list[CheckoutKnown]
    ) -> None:
        """Checkout rows were inserted as they stand (`CheckoutKnown`)."""


# --- Domain events: what happened, in the store's words --------------------------------------


@dataclass(frozen=True)
class OrderEvent(DomainEvent):
    order_platform_id: str
    customer_key: str | None
    placed_at: datetime
    value: Decimal  # gross − discounts, in the shop's currency
    discount_codes: tuple[str, ...]


class OrderPlaced(OrderEvent):
    """An order counts from now on: new, or restored after a cancellation."""


class OrderEdited(OrderEvent):
    """A newer state of an order that counted and still counts."""


class OrderCancelled(OrderEvent):
    """An order that counted no longer does (cancelled)."""


@dataclass(frozen=True)
class OrderRefunded(DomainEvent):
    order_platform_id: str
    refund_platform_id: str
    amount: Decimal
    refunded_at: datetime


@dataclass(frozen=True)
class CheckoutEvent(DomainEvent):
    token: str
    customer_key: str | None
    email: str | None
    at: datetime  # when the checkout reached this state


class CheckoutStarted(CheckoutEvent):
    """First seen."""


class CheckoutCompleted(CheckoutEvent):
    """An order was placed from it (or the platform said it completed)."""


class CheckoutAbandoned(CheckoutEvent):
    """Left with contact details and no order past the shop's delay."""


class CheckoutRecovered(CheckoutEvent):
    """Completed after it had been abandoned."""


@dataclass(frozen=True)
class CustomerEvent(DomainEvent):
    customer_key: str
    order_platform_id: str
    placed_at: datetime


class CustomerFirstOrder(CustomerEvent):
    """The customer's earliest counted order arrived."""


class CustomerReturned(CustomerEvent):
    """A customer with an earlier counted order ordered again."""


@dataclass(frozen=True)
class BackfillFinished(DomainEvent):
    """A backfill pass read the store's history into the mirror (and the rollups)."""

    sync_id: int


def order_events(shop_id: int, written: list[OrderWritten]) -> list[OrderEvent]:
    """What each written order means; a test order, or one that never counted, means nothing."""
    events: list[OrderEvent] = []
    for change in written:
        kind = _order_change_kind(change)
        if kind is not None:
            after = change.after
            customer = after.customer.key if after.customer else None
            value = after.gross - after.discounts
            events.append(
                kind(
                    shop_id,
                    after.platform_id,
                    customer,
                    after.created_at,
                    value,
                    after.discount_codes,
                )  # fmt: skip
            )
    return events


def _order_change_kind(change: OrderWritten) -> type[OrderEvent] | None:
    before = change.before
    counted_before = before is not None and not before.test and before.state is OrderState.OPEN
    counts_now = change.after.counted
    if counts_now:
        return OrderEdited if counted_before else OrderPlaced
    if counted_before and change.after.state is OrderState.CANCELLED:
        return OrderCancelled
    return None


def refund_events(shop_id: int, refunds: list[Refund]) -> list[OrderRefunded]:
    return [
        OrderRefunded(shop_id, r.order_platform_id, r.platform_id, r.amount, r.created_at)
        for r in refunds
    ]


def checkout_events(shop_id: int, written: list[CheckoutWritten]) -> list[CheckoutEvent]:
    """Each state a checkout reached in this write, in the order a checkout lives them."""
    events: list[CheckoutEvent] = []
    for change in written:
        row, before = change.after, change.before
        after = facts_of_checkout(row)
        assert after is not None
        reached = [
            (CheckoutStarted, before is None, row.started_at),
            (CheckoutAbandoned, after.abandoned and not (before and before.abandoned),
             row.abandoned_at),
            (CheckoutCompleted, after.completed and not (before and before.completed),
             row.completed_at),
            (CheckoutRecovered, after.recovered and not (before and before.recovered),
             row.recovered_at),
        ]  # fmt: skip
        for kind, happened, at in reached:
            if happened and at is not None:
                events.append(kind(shop_id, row.token, row.customer_key, row.email, at))
    return events


def customer_events(
    shop_id: int, written: list[OrderWritten], first_orders: dict[str, datetime | None]
) -> list[CustomerEvent]:
    """A newly counted order of a known customer is their first order or a return, by the
    customer's earliest counted order after this write (`first_orders`: key → when)."""
    events: list[CustomerEvent] = []
    for change in written:
        after = change.after
        key = after.customer.key if after.customer else None
        if key is None or _order_change_kind(change) is not OrderPlaced:
            continue
        kind = CustomerFirstOrder if first_orders.get(key) == after.created_at else CustomerReturned
        events.append(kind(shop_id, key, after.platform_id, after.created_at))
    return events


def publish(session: AsyncSession, events: Sequence[DomainEvent]) -> None:
    """Publish `events` once (and only if) this transaction commits."""
    for event in events:
        publish_after_commit(session, event)
