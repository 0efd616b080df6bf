"""Who hears which domain event: the whole list, in one place, registered at start-up.

A new reaction to something that happened in the store is one function in its own package and
one line here. Lower layers publish (`app.events.publish_after_commit`); the layers above them
subscribe here, so no package imports one above it and nothing registers itself by being
imported. The web app (`app.main`), the arq worker and the CLI all open their runtime with
`event_bus()`.
"""

from __future__ import annotations

from app.commerce.changes import BackfillFinished
from app.events import EventBus
from app.ingest.tasks import backfill_new_shop
from app.live.follow_ups import follow
from app.metrics.deltas import MetricsMoved, tell_open_dashboards
from app.okr.live import key_results_moved
from app.okr.tasks import retake_history
from app.shops.events import ShopConnected


def event_bus() -> EventBus:
    bus = EventBus()
    bus.subscribe(ShopConnected, backfill_new_shop)
    bus.subscribe(MetricsMoved, tell_open_dashboards)
    bus.subscribe(BackfillFinished, retake_history)
    # The live stream's own follow-up: after metrics move, open pages hear their key results.
    follow("metrics", key_results_moved)
    return bus
