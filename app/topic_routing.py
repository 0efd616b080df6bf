"""Which code handles which platform topic: the table the runtime holds and the inbox
(`app.webhooks`) consults. It names no platform, shop or handler of its own: the layers above
fill it at start-up (`app/wiring.py`), so the inbox never imports the code it hands deliveries
to. A topic with no handler is stored as ignored when it arrives. Platforms are their string
values (`Platform` is a `StrEnum`); the shop type is the table's parameter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Shop = TypeVar("Shop")
Prepared = TypeVar("Prepared")
# A handler is given the job's context (an `app.worker.JobContext`), the shop, the topic and the
# parsed payload. The context's type is not named here: the runtime holds this table and a job's
# context holds the runtime, so naming it would join the three modules in a circle.
TopicHandler = Callable[[Any, Shop, str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Burst(Generic[Shop, Prepared]):
    """How a shop's waiting deliveries of some topics are applied together, in one job's
    transaction. `prepare` reads one delivery; a `ValueError` means it cannot be read, and it
    stays out of the burst (its own job parks it). `apply` applies what was prepared, in the
    order given."""

    prepare: Callable[[Shop, str, dict[str, Any]], Prepared]
    apply: Callable[[Any, Shop, list[Prepared]], Awaitable[None]]


@dataclass(frozen=True)
class BurstRoute(Generic[Shop]):
    topics: frozenset[str]  # the topics whose deliveries go in the same burst
    burst: Burst[Shop, Any]


class TopicRouting(Generic[Shop]):
    """Who takes each platform's topics: a handler per delivery, or a burst for the topics
    whose deliveries may be applied together. Filled once, before the runtime opens."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], TopicHandler[Shop]] = {}
        self._bursts: dict[tuple[str, str], BurstRoute[Shop]] = {}

    def handle(self, platform: str, topic: str, handler: TopicHandler[Shop]) -> None:
        """Hand each delivery of `topic` to `handler`, one at a time."""
        self._claim(platform, topic)
        self._handlers[(platform, topic)] = handler

    def handle_in_bursts(
        self, platform: str, topics: Iterable[str], burst: Burst[Shop, Prepared]
    ) -> None:
        """Apply the deliveries of `topics` with `burst`, a shop's waiting ones together."""
        route = BurstRoute(frozenset(topics), burst)
        for topic in route.topics:
            self._claim(platform, topic)
            self._bursts[(platform, topic)] = route

    def uses(self, platform: str, topic: str) -> bool:
        return (platform, topic) in self._handlers or (platform, topic) in self._bursts

    def handler_for(self, platform: str, topic: str) -> TopicHandler[Shop] | None:
        return self._handlers.get((platform, topic))

    def burst_for(self, platform: str, topic: str) -> BurstRoute[Shop] | None:
        return self._bursts.get((platform, topic))

    def topics(self, platform: str) -> frozenset[str]:
        """Every topic of `platform` that something handles."""
        routed = [*self._handlers, *self._bursts]
        return frozenset(topic for routed_platform, topic in routed if routed_platform == platform)

    def _claim(self, platform: str, topic: str) -> None:
        if self.uses(platform, topic):
            raise ValueError(f"the {platform} topic {topic!r} is routed twice")
