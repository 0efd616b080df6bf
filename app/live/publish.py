"""Publishing what changed, once the change is committed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.live.messages import LiveMessage
from app.worker.enqueue import defer_until_commit


def publish_after_commit(
    session: AsyncSession, shop_id: int, kind: str, data: dict[str, Any]
) -> None:
    """Tell the shop's open dashboards about a change when (and only if) it commits."""
    defer_until_commit(session, LiveMessage(shop_id, kind, data))
