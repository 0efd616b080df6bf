"""The one place the layers are connected, at start-up: which code takes each webhook topic we
use, and who hears which domain event. Nothing registers itself by being imported.

Lower layers never import the ones above them: webhooks store a delivery and hand it to the
handler registered here; commerce, metrics and shops publish domain events
(`app.events.publish_after_commit`) and the layers above subscribe here. A new reaction to
something that happened in the store is one function in its own package and one line in
`event_bus()`. The web app (`app.main`), the arq worker and the CLI (`app.cli`) all open their
runtime with `webhook_topics()`, `event_bus()` and `personal_data()`; the tasks are
`app.tasks.registry`.

A platform's topics are its adapter's (`app.integrations.adapters`); each one has a handler
here (tests/test_wiring.py checks it).
"""

from __future__ import annotations

from app.commerce.changes import (
    BackfillFinished,
    CheckoutAbandoned,
    CheckoutCompleted,
    CustomerReturned,
    OrderPlaced,
)
from app.events import EventBus
from app.ingest import webhooks as ingest
from app.ingest.tasks import backfill_new_shop
from app.initiatives import reactivation, recovery
from app.initiatives.privacy import InitiativesPersonalData
from app.initiatives.surveys import invitations as surveys
from app.initiatives.surveys.privacy import SurveysPersonalData
from app.integrations.adapters import ADAPTERS
from app.integrations.platforms import Platform
from app.live.follow_ups import follow
from app.messaging.events import MessagesMoved
from app.metrics.deltas import MetricsMoved, tell_open_dashboards
from app.metrics.marketing import messages_moved
from app.okr.live import key_results_moved
from app.okr.tasks import retake_history
from app.privacy import webhooks as privacy
from app.privacy.customers import PersonalData
from app.shops import webhooks as installation
from app.shops.events import ShopConnected
from app.shops.models import Shop
from app.topic_routing import Burst, TopicRouting


def webhook_topics() -> TopicRouting[Shop]:
    topics: TopicRouting[Shop] = TopicRouting()
    # Store events: a shop's waiting deliveries go to the mirror together, in one transaction.
    commerce = Burst(prepare=ingest.prepare, apply=ingest.apply_prepared)
    for platform, adapter in ADAPTERS.items():
        topics.handle_in_bursts(platform, adapter.commerce_topics, commerce)
    topics.handle(Platform.SHOPIFY, "app/uninstalled", installation.app_uninstalled)
    topics.handle(Platform.SHOPIFY, "customers/data_request", privacy.customers_data_request)
    topics.handle(Platform.SHOPIFY, "customers/redact", privacy.customers_redact)
    topics.handle(Platform.SHOPIFY, "shop/redact", privacy.shop_redact)
    return topics


def event_bus() -> EventBus:
    """Who hears which domain event (each subscriber runs after the commit, in a transaction
    of its own: `app.events`)."""
    bus = EventBus()
    bus.subscribe(ShopConnected, backfill_new_shop)
    bus.subscribe(MetricsMoved, tell_open_dashboards)
    bus.subscribe(MessagesMoved, messages_moved)
    bus.subscribe(BackfillFinished, retake_history)
    bus.subscribe(CheckoutAbandoned, recovery.enroll_abandoned)
    bus.subscribe(CheckoutCompleted, recovery.checkout_completed)
    bus.subscribe(OrderPlaced, recovery.order_placed)
    bus.subscribe(OrderPlaced, reactivation.order_placed)
    bus.subscribe(CustomerReturned, surveys.customer_returned)
    # The live stream's own follow-up: after metrics move, open pages hear their key results.
    follow("metrics", key_results_moved)
    return bus


def personal_data() -> dict[str, PersonalData]:
    """Who above privacy holds customers' personal data: a customer's export and erasure
    reach them too (privacy's own holders, below it, are `app.privacy.customers.HOLDERS`)."""
    return {"initiatives": InitiativesPersonalData(), "surveys": SurveysPersonalData()}
