from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LiveMessage:
    """Something that changed for one shop, for its open dashboards."""

    shop_id: int
    kind: str  # e.g. "mirror" now; metric and key-result updates later
    data: dict[str, Any]

    @property
    def channel(self) -> str:
        return shop_channel(self.shop_id)

    def encode(self) -> str:
        return json.dumps({"kind": self.kind, "data": self.data}, default=str)


def shop_channel(shop_id: int) -> str:
    return f"shop:{shop_id}"
