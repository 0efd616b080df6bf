"""The one place the layers are connected: which code takes each webhook topic we use.

Webhooks are infrastructure: they store a delivery and hand it to a handler, and never import
the commerce, privacy or installation code that handles it. The handlers are registered here,
at start-up, on the table the runtime holds; the web app (`app.main`), the arq worker and the
CLI all open their runtime with `webhook_topics()`. Who hears domain events is the same kind of
list, in `app/subscriptions.py`.

A platform's topics are its adapter's (`app.integrations.adapters`); each one has a handler
here (tests/test_wiring.py checks it).
"""

from __future__ import annotations

from app.ingest import webhooks as ingest
from app.integrations.adapters import ADAPTERS
from app.privacy import webhooks as privacy
from app.shops import webhooks as installation
from app.shops.models import Platform
from app.webhooks.routing import Burst, TopicRouting


def webhook_topics() -> TopicRouting:
    topics = TopicRouting()
    # Store events: a shop's waiting deliveries go to the mirror together, in one transaction.
    commerce = Burst(prepare=ingest.prepare, apply=ingest.apply_prepared)
    for platform, adapter in ADAPTERS.items():
        topics.handle_in_bursts(platform, adapter.commerce_topics, commerce)
    topics.handle(Platform.SHOPIFY, "app/uninstalled", installation.app_uninstalled)
    topics.handle(Platform.SHOPIFY, "customers/data_request", privacy.customers_data_request)
    topics.handle(Platform.SHOPIFY, "customers/redact", privacy.customers_redact)
    topics.handle(Platform.SHOPIFY, "shop/redact", privacy.shop_redact)
    return topics
