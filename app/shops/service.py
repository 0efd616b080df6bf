"""Shops: install and reinstall, uninstall, credentials (encrypted) and one-time nonces."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.crypto import Vault, random_token
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.integrations.base import Refresher, ShopInfo, StoreConnection
from app.integrations.platforms import Platform
from app.runtime import Runtime
from app.shops import repository
from app.shops.models import AuthNonce, NoncePurpose, Shop, ShopStatus, SignedInShop

logger = logging.getLogger(__name__)


async def install(
    session: AsyncSession,
    vault: Vault,
    *,
    platform: Platform,
    domain: str,
    credentials: str,
    scopes: str,
    info: ShopInfo | None = None,
    webhook_secret: str | None = None,
) -> Shop:
    """Create the shop, or bring an uninstalled one back with everything it had (its OKRs)."""
    shop = await repository.find_shop(session, platform, domain)
    if shop is None:
        shop = Shop(platform=platform, domain=domain)
        session.add(shop)
    elif shop.status is ShopStatus.UNINSTALLED:
        shop.installed_at = utcnow()
    shop.status = ShopStatus.ACTIVE
    shop.uninstalled_at = None
    shop.scopes = scopes
    shop.credentials_ciphertext = vault.encrypt(credentials)
    if webhook_secret is not None:
        shop.webhook_secret_ciphertext = vault.encrypt(webhook_secret)
    if info is not None:
        apply_shop_info(shop, info)
    await session.flush()
    return shop


def already_connected(domain: str) -> Conflict:
    return Conflict(
        f"{domain} is already connected to StoreOKR. To reconnect it, sign in to that store's "
        "StoreOKR admin and reconnect from there"
    )


async def shop_to_reconnect(
    session: AsyncSession, platform: Platform, domain: str, signed_in: SignedInShop | None
) -> int | None:
    """Which shop a connection being started for `domain` may replace the credentials of:
    none for a store we do not hold or that uninstalled (a fresh install or a reinstall), the
    shop itself when it is active and the request is signed in as it. Anyone else starting a
    connection to an active shop's store is refused (409)."""
    shop = await repository.find_shop(session, platform, domain)
    if shop is None or shop.status is not ShopStatus.ACTIVE:
        return None
    if signed_in is None or signed_in.id != shop.id:
        raise already_connected(domain)
    return shop.id


async def install_by_key_exchange(
    session: AsyncSession,
    vault: Vault,
    *,
    platform: Platform,
    domain: str,
    reconnecting: int | None,
    credentials: str,
    scopes: str,
    info: ShopInfo,
) -> Shop:
    """Store keys a store delivered (and accepted) for a connection we started: a new shop,
    a reinstall, or the reconnect of the active shop that started it (`reconnecting`). An
    active shop is never touched by a connection someone else started (409). A shop keeps the
    webhook secret it has: the store's subscriptions are signed with it."""
    shop = await repository.find_shop(session, platform, domain)
    if shop is not None and shop.status is ShopStatus.ACTIVE and shop.id != reconnecting:
        raise already_connected(domain)
    has_secret = shop is not None and shop.webhook_secret_ciphertext is not None
    return await install(
        session,
        vault,
        platform=platform,
        domain=domain,
        credentials=credentials,
        scopes=scopes,
        info=info,
        webhook_secret=None if has_secret else random_token(32),
    )


def apply_shop_info(shop: Shop, info: ShopInfo) -> None:
    shop.name = info.name
    shop.currency = info.currency
    shop.timezone = info.timezone
    shop.email = info.email


async def mark_uninstalled(session: AsyncSession, shop: Shop) -> None:
    """Stop everything for this shop and forget its credentials; its data stays for a
    reinstall until the platform asks us to redact the shop."""
    shop.status = ShopStatus.UNINSTALLED
    shop.uninstalled_at = utcnow()
    shop.credentials_ciphertext = None
    await session.flush()
    logger.info("shop %s (%s) uninstalled", shop.id, shop.domain)


async def require_shop(session: AsyncSession, shop_id: int) -> Shop:
    shop = await repository.get_shop(session, shop_id)
    if shop is None:
        raise NotFound(f"no shop with id {shop_id}")
    return shop


def reencrypt(vault: Vault, shop: Shop) -> None:
    """Encrypt the shop's secrets again with the vault's current key."""
    if shop.credentials_ciphertext is not None:
        shop.credentials_ciphertext = vault.rotate(shop.credentials_ciphertext)
    if shop.webhook_secret_ciphertext is not None:
        shop.webhook_secret_ciphertext = vault.rotate(shop.webhook_secret_ciphertext)


def webhook_secret(vault: Vault, shop: Shop) -> str | None:
    if shop.webhook_secret_ciphertext is None:
        return None
    return vault.decrypt(shop.webhook_secret_ciphertext)


def connection_for(runtime: Runtime, shop: Shop) -> StoreConnection:
    """A live connection to an active shop's store, with its decrypted credentials."""
    if (
        shop.status is not ShopStatus.ACTIVE
        or shop.credentials_ciphertext is None
        or shop.id is None
    ):
        raise NotFound(f"shop {shop.domain} is not connected; reinstall StoreOKR from the store")
    vault = Vault.from_settings(runtime.settings)
    shop_id = shop.id

    async def refresh_credentials(refresher: Refresher) -> str:
        # One refresh at a time per shop: in this process by the lock, across processes by
        # the row lock; each waiter re-reads what the one before it stored.
        async with runtime.locks.hold(f"shop-credentials:{shop_id}"):
            async with runtime.transaction() as session:
                locked = await repository.get_shop_for_update(session, shop_id)
                if locked is None or locked.credentials_ciphertext is None:
                    raise NotFound(f"shop {shop_id} has no credentials any more")
                stored = vault.decrypt(locked.credentials_ciphertext)
                fresh = await refresher(stored)
                if fresh is None:
                    return stored
                locked.credentials_ciphertext = vault.encrypt(fresh)
                return fresh

    return StoreConnection(
        shop_id=shop_id,
        platform=shop.platform.value,
        domain=shop.domain,
        credentials=vault.decrypt(shop.credentials_ciphertext),
        webhook_secret=webhook_secret(vault, shop),
        refresh_credentials=refresh_credentials,
    )


@dataclass(frozen=True)
class BrowserBoundNonce:
    """A one-time value that travels in URLs, and a second one for a cookie of the browser that
    asked for it: only that browser can finish what the nonce started."""

    value: str
    browser_secret: str = field(repr=False)


async def issue_nonce(
    session: AsyncSession,
    purpose: NoncePurpose,
    *,
    ttl: timedelta,
    domain: str = "",
    shop_id: int | None = None,
) -> str:
    """A fresh one-time value; only its digest is stored."""
    value = random_token()
    await _add_nonce(session, value, purpose, ttl=ttl, domain=domain, shop_id=shop_id)
    return value


async def issue_browser_bound_nonce(
    session: AsyncSession,
    purpose: NoncePurpose,
    *,
    ttl: timedelta,
    domain: str,
    shop_id: int | None = None,
) -> BrowserBoundNonce:
    """A fresh one-time value bound to a browser by a second one; only their digests are
    stored."""
    nonce = BrowserBoundNonce(value=random_token(), browser_secret=random_token())
    await _add_nonce(
        session,
        nonce.value,
        purpose,
        ttl=ttl,
        domain=domain,
        shop_id=shop_id,
        browser_digest=repository.nonce_digest(nonce.browser_secret),
    )
    return nonce


async def _add_nonce(
    session: AsyncSession,
    value: str,
    purpose: NoncePurpose,
    *,
    ttl: timedelta,
    domain: str,
    shop_id: int | None,
    browser_digest: str | None = None,
) -> None:
    nonce = AuthNonce(
        digest=repository.nonce_digest(value),
        purpose=purpose,
        domain=domain,
        shop_id=shop_id,
        expires_at=utcnow() + ttl,
        browser_digest=browser_digest,
    )
    await repository.add_nonce(session, nonce)


async def use_nonce(session: AsyncSession, value: str, purpose: NoncePurpose) -> AuthNonce | None:
    return await repository.use_nonce(session, value, purpose, utcnow())


async def claim_return(
    session: AsyncSession, value: str, browser_secret: str | None, purpose: NoncePurpose
) -> int | None:
    """The shop whose connection this browser started and whose keys have arrived, once."""
    if not browser_secret:
        return None
    return await repository.claim_return(session, value, browser_secret, purpose, utcnow())


async def prune_nonces(session: AsyncSession, *, expired_for: timedelta) -> int:
    """Delete nonces expired for longer than `expired_for`; how many."""
    return await repository.delete_nonces_expired_before(session, utcnow() - expired_for)
