"""WooCommerce REST API keys as we store them (encrypted, as JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class WooCommerceCredentials:
    # Out of the repr: an object printed into an exception or a log line shows no key.
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    key_id: int | None = None
    permissions: str = "read_write"

    def to_json(self) -> str:
        return json.dumps({"platform": "woocommerce", **asdict(self)})

    @classmethod
    def from_json(cls, text: str) -> WooCommerceCredentials:
        values = json.loads(text)
        values.pop("platform", None)
        return cls(**values)
