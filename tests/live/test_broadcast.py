"""Live messages go out only for committed changes, and only on their shop's channel."""

from __future__ import annotations

import json

import pytest

from app.live.broadcast import LocalBroadcaster
from app.live.messages import shop_channel
from app.live.publish import publish_after_commit
from app.runtime import Runtime


class Undone(Exception):
    pass


async def publish_then_fail(runtime: Runtime) -> None:
    async with runtime.transaction() as session:
        publish_after_commit(session, 1, "mirror", {"n": "undone"})
        raise Undone


async def test_only_committed_changes_are_announced(committed_runtime: Runtime) -> None:
    async with committed_runtime.broadcaster.subscribe(shop_channel(1)) as subscription:
        with pytest.raises(Undone):
            await publish_then_fail(committed_runtime)
        async with committed_runtime.transaction() as session:
            publish_after_commit(session, 1, "mirror", {"n": "kept"})
            assert await subscription.next(0.05) is None  # not before the commit
        message = await subscription.next(1)
        assert message is not None
        assert json.loads(message) == {"kind": "mirror", "data": {"n": "kept"}}
        assert await subscription.next(0.05) is None  # the undone one never came


async def test_a_slow_subscriber_keeps_the_newest_hints() -> None:
    broadcaster = LocalBroadcaster()
    async with (
        broadcaster.subscribe("shop:1") as subscription,
        broadcaster.subscribe("shop:2") as other,
    ):
        for n in range(150):
            await broadcaster.publish("shop:1", str(n))
        received = [await subscription.next(0.01) for _ in range(100)]
        assert received[0] == "50"
        assert received[-1] == "149"
        assert await other.next(0.01) is None
