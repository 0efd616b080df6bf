"""WooCommerce disables a webhook after 5 failed deliveries and tells nobody. The hourly
reconciliation puts ours back: a disabled one re-activated (same webhook, our secret), a missing
one created, duplicates deleted — one of ours per topic, never two; a webhook the merchant paused,
and anyone else's, left as they are."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from app.ingest.tasks import reconcile_all
from app.integrations.platforms import Platform
from app.integrations.woocommerce.client import WEBHOOK_TOPICS
from app.worker.execution import execute
from tests.fixtures.app import finish_jobs
from tests.fixtures.stores import WOO_STORE, Connected
from tests.shops.test_access import login
from tests.webhooks.helpers import WOO_SECRET, install

OURS = "https://storeokr.test/webhooks/woocommerce"
THEIRS = "https://crm.example/hooks"


def hook(hook_id: int, topic: str, status: str, url: str = OURS) -> dict[str, Any]:
    secret = "an-old-secret" if url == OURS else "theirs"
    return {"id": hook_id, "topic": topic, "status": status, "delivery_url": url, "secret": secret}


async def run_the_hourly_reconciliation(connected: Connected) -> None:
    await execute(connected.app.state.runtime, reconcile_all, (), {}, attempt=1, job_id=None)
    await finish_jobs(connected.app)


async def what_operations_says(connected: Connected) -> str:
    page = (await connected.client.get("/admin/operations")).text
    found = re.search(r'data-testid="webhook-check">(.*?)</dd>', page, re.S)
    assert found, page
    return " ".join(found.group(1).split())


async def test_disabled_webhooks_are_reactivated_missing_created_duplicates_removed(
    connected: Connected,
) -> None:
    shop = await install(connected, WOO_STORE, Platform.WOOCOMMERCE)
    await login(connected, shop.id or 0)
    assert (await what_operations_says(connected)).startswith("Not checked yet")
    store = connected.woocommerce
    store.webhooks[:] = [
        hook(11, "order.created", "disabled"),
        hook(12, "order.updated", "active"),
        hook(13, "order.updated", "active"),  # a duplicate
        hook(14, "customer.updated", "paused"),
        hook(15, "order.deleted", "disabled"),
        hook(16, "order.deleted", "disabled"),  # a duplicate, disabled too
        hook(17, "order.created", "disabled", url=THEIRS),
    ]

    await run_the_hourly_reconciliation(connected)

    ours = [h for h in store.webhooks if h["delivery_url"] == OURS]
    assert Counter(h["topic"] for h in ours) == Counter(WEBHOOK_TOPICS)  # one each, no more
    by_topic = {h["topic"]: h for h in ours}
    assert by_topic["order.created"]["id"] == 11  # the same webhook, re-activated
    assert by_topic["order.created"]["status"] == "active"
    assert by_topic["order.created"]["secret"] == WOO_SECRET
    assert by_topic["order.updated"]["id"] == 12
    assert by_topic["order.deleted"]["id"] == 15
    assert by_topic["order.deleted"]["status"] == "active"
    assert by_topic["customer.updated"]["status"] == "paused"  # the merchant's choice
    assert {by_topic[t]["status"] for t in ("order.restored", "customer.created")} == {"active"}
    assert hook(17, "order.created", "disabled", url=THEIRS) in store.webhooks
    # Put back: order.created and order.deleted re-activated, a duplicate order.updated
    # deleted, order.restored and customer.created created.
    assert "some of them; 5 were put back." in await what_operations_says(connected)

    before = [dict(h) for h in store.webhooks]
    await run_the_hourly_reconciliation(connected)
    assert store.webhooks == before  # nothing more to do: nothing added, nothing removed
    assert (await what_operations_says(connected)).endswith(": all in place.")
