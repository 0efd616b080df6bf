"""WooCommerce REST API keys as we store them (encrypted, as JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class WooCommerceCredentials:
    consumer_key: str
    consumer_secret: str
    key_id: int | None = None
    permissions: str = "read_write"

    def to_json(self) -> str:
        return json.dumps({"platform": "woocommerce", **asdict(self)})

    @classmethod
    def from_json(cls, text: str) -> WooCommerceCredentials:
        values = json.loads(text)
        values.pop("platform", None)
        return cls(**values)
