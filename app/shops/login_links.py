"""One-time login links into the admin for a shop."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import BadRequest
from app.messaging.email import Email, send_email
from app.shops import service
from app.shops.models import NoncePurpose, Shop

LOGIN_LINK_LIFETIME = timedelta(minutes=30)


async def create_login_link(session: AsyncSession, settings: Settings, shop: Shop) -> str:
    assert shop.id is not None
    token = await service.issue_nonce(
        session, NoncePurpose.LOGIN_LINK, ttl=LOGIN_LINK_LIFETIME, shop_id=shop.id
    )
    return settings.public(f"/auth/login?{urlencode({'token': token})}")


async def email_login_link(
    session: AsyncSession, settings: Settings, shop: Shop, to: str | None = None
) -> str:
    """Create a login link and email it to `to`, or else to the store's admin address."""
    recipient = to or shop.email
    if not recipient:
        raise BadRequest(f"shop {shop.id} has no admin email address; give one with --to")
    link = await create_login_link(session, settings, shop)
    minutes = int(LOGIN_LINK_LIFETIME.total_seconds() // 60)
    await send_email(
        settings,
        Email(
            to=recipient,
            subject=f"Your StoreOKR sign-in link for {shop.name or shop.domain}",
            text=(
                f"Open StoreOKR for {shop.name or shop.domain}:\n\n{link}\n\n"
                f"The link works once, for {minutes} minutes. If you did not ask for it, "
                "you can ignore this email."
            ),
        ),
    )
    return recipient
