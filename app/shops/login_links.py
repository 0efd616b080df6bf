"""One-time login links into the admin for a shop."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.shops import service
from app.shops.models import NoncePurpose, Shop

LOGIN_LINK_LIFETIME = timedelta(minutes=30)


async def create_login_link(session: AsyncSession, settings: Settings, shop: Shop) -> str:
    assert shop.id is not None
    token = await service.issue_nonce(
        session, NoncePurpose.LOGIN_LINK, ttl=LOGIN_LINK_LIFETIME, shop_id=shop.id
    )
    base = str(settings.public_url).rstrip("/")
    return f"{base}/auth/login?{urlencode({'token': token})}"
