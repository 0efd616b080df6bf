"""Start-up wiring: every platform has an adapter, every topic an adapter names has a handler,
and the web app holds the table whatever task registry it runs."""

from __future__ import annotations

import pytest

from app.integrations.adapters import ADAPTERS
from app.integrations.platforms import Platform
from app.wiring import webhook_topics
from app.worker.tasks import TaskRegistry
from tests.fixtures.app import running_app
from tests.fixtures.settings import make_settings


def test_every_platform_has_an_adapter() -> None:
    assert set(ADAPTERS) == set(Platform)


@pytest.mark.parametrize("platform", list(Platform))
def test_every_topic_an_adapter_names_has_a_handler_and_no_other_is_routed(
    platform: Platform,
) -> None:
    # No topic is deliberately left without a handler today: one that is would be listed here.
    assert webhook_topics().topics(platform) == ADAPTERS[platform].topics


@pytest.mark.parametrize("platform", list(Platform))
def test_the_topics_a_normaliser_reads_are_received_and_applied_in_bursts(
    platform: Platform,
) -> None:
    adapter, topics = ADAPTERS[platform], webhook_topics()
    assert adapter.commerce_topics <= adapter.topics
    for topic in adapter.commerce_topics:
        burst = topics.burst_for(platform, topic)
        assert burst is not None, topic
        assert burst.topics == adapter.commerce_topics  # the platform's store events together


def test_the_installation_and_privacy_topics_are_handled_one_at_a_time() -> None:
    topics = webhook_topics()
    for topic in ("app/uninstalled", "customers/data_request", "customers/redact", "shop/redact"):
        assert topics.burst_for(Platform.SHOPIFY, topic) is None
        assert topics.handler_for(Platform.SHOPIFY, topic) is not None, topic


async def test_an_app_with_a_test_registry_still_routes_every_topic() -> None:
    async with running_app(make_settings(), TaskRegistry()) as (app, _client):
        routing = app.state.runtime.webhook_topics
        for platform, adapter in ADAPTERS.items():
            assert routing.topics(platform) == adapter.topics
