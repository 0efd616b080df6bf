"""Who may send us webhooks: each shop's id, platform and own signing secret, kept in memory
for a short while. The acknowledgement path runs at a flash sale's rate; reading and decrypting
the shop on every delivery was a fifth of its CPU (bench/README.md, acknowledgement)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from app.crypto import Vault
from app.integrations.platforms import Platform
from app.shops import repository as shops
from app.shops import service as shop_service

# A changed secret or an uninstall is seen within this long; a delivery signed with a secret we
# have not cached yet makes its caller look again at once (`Senders.find(..., fresh=True)`).
TTL_S = 30.0


@dataclass(frozen=True)
class Sender:
    shop_id: int
    platform: Platform
    secret: str | None  # the shop's own webhook secret, decrypted (None: the app's signs)


class Senders:
    """Known senders by (platform, domain), per process. Unknown domains are not remembered:
    a shop installed a moment ago must not be refused for a while."""

    def __init__(self, vault: Vault, ttl_s: float = TTL_S) -> None:
        self._vault, self._ttl_s = vault, ttl_s
        self._known: dict[tuple[Platform, str], tuple[float, Sender]] = {}

    def cached(self, platform: Platform, domain: str) -> Sender | None:
        """The sender as this process last read it, while that is recent; no database."""
        known = self._known.get((platform, domain))
        return known[1] if known is not None and time.monotonic() < known[0] else None

    async def find(
        self, session: AsyncSession, platform: Platform, domain: str, *, fresh: bool = False
    ) -> Sender | None:
        key = (platform, domain)
        cached = None if fresh else self.cached(platform, domain)
        if cached is not None:
            return cached
        shop = await shops.find_shop(session, platform, domain)
        if shop is None or shop.id is None:
            self._known.pop(key, None)
            return None
        sender = Sender(shop.id, shop.platform, shop_service.webhook_secret(self._vault, shop))
        self._known[key] = (time.monotonic() + self._ttl_s, sender)
        return sender
