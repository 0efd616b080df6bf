"""A Shopify access token as we store it (encrypted, as JSON) and when it needs refreshing."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

# Refresh this long before expiry, so a job never starts a call with a token about to lapse.
REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class ShopifyCredentials:
    # The tokens stay out of the repr: an object printed into an exception or a log line
    # shows no credential.
    access_token: str = field(repr=False)
    scope: str
    # None: a non-expiring token (custom apps, legacy offline tokens).
    expires_at: datetime | None = None
    refresh_token: str | None = field(default=None, repr=False)
    refresh_expires_at: datetime | None = None

    @classmethod
    def from_token_response(cls, body: dict[str, Any], now: datetime) -> ShopifyCredentials:
        """From the JSON of POST /admin/oauth/access_token (code, token exchange or refresh)."""
        expires_in = body.get("expires_in")
        refresh_expires_in = body.get("refresh_token_expires_in")
        return cls(
            access_token=str(body["access_token"]),
            scope=str(body.get("scope", "")),
            expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
            refresh_token=body.get("refresh_token"),
            refresh_expires_at=(
                now + timedelta(seconds=int(refresh_expires_in)) if refresh_expires_in else None
            ),
        )

    def needs_refresh(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at - REFRESH_MARGIN

    def to_json(self) -> str:
        values = asdict(self)
        for key in ("expires_at", "refresh_expires_at"):
            if values[key] is not None:
                values[key] = values[key].isoformat()
        return json.dumps({"platform": "shopify", **values})

    @classmethod
    def from_json(cls, text: str) -> ShopifyCredentials:
        values = json.loads(text)
        values.pop("platform", None)
        for key in ("expires_at", "refresh_expires_at"):
            if values.get(key):
                values[key] = datetime.fromisoformat(values[key])
        return cls(**values)
