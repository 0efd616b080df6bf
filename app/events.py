"""Domain events: what changed in the store, told to whoever subscribed, after it committed.

A lower layer that must make something happen above it publishes an event and never imports
the layer above: commerce says "checkout completed", and whoever cares (the live stream, an
initiative that stops a recovery) subscribes at start-up, in `app/wiring.py`.

    bus.subscribe(CheckoutCompleted, stop_recovery)          # one registration line
    async def stop_recovery(session: AsyncSession, event: CheckoutCompleted) -> None: ...

`publish_after_commit(session, event)` waits on the session like a job does: a rolled-back
transaction publishes nothing, a committed one publishes after its commit. Each subscriber then
runs in a transaction of its own (`Runtime.transaction`), so one that fails is logged and undone
alone; what it enqueues or publishes is sent after its own commit. A subscriber runs at most
once: a reaction that must survive a crash between the commit and the subscriber enqueues a
job, or is a sweep's to find again (the data it reacts to is committed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from app.worker.enqueue import defer_until_commit


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened to one shop. Subclasses are frozen dataclasses, named in the
    past tense (`OrderPlaced`), carrying ids and values — never ORM objects."""

    shop_id: int

    # Told before the other events of its commit: an event whose subscribers only tell open
    # pages what moved. A batch of a hundred orders commits hundreds of events whose
    # subscribers (initiatives) each take a transaction; the dashboard should not wait for them.
    tells_pages: ClassVar[bool] = False


E = TypeVar("E", bound=DomainEvent)
Subscriber = Callable[[AsyncSession, E], Awaitable[None]]


class EventBus:
    """Who hears which kind of event. Built once at start-up; a kind matches its subclasses."""

    def __init__(self) -> None:
        self._subscribers: list[tuple[type[DomainEvent], Subscriber[Any]]] = []

    def subscribe(self, kind: type[E], subscriber: Subscriber[E]) -> None:
        self._subscribers.append((kind, subscriber))

    def subscribers_of(self, event: DomainEvent) -> list[Subscriber[Any]]:
        return [subscriber for kind, subscriber in self._subscribers if isinstance(event, kind)]


def publish_after_commit(session: AsyncSession, event: DomainEvent) -> None:
    """Tell the subscribers of `event` once (and only if) this transaction commits."""
    defer_until_commit(session, event)
