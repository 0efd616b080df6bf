from __future__ import annotations

from fastapi import APIRouter

from app.auth.dependencies import ShopDep
from app.shops.schemas import ShopPublic

router = APIRouter(prefix="/api/v1", tags=["shop"])


@router.get("/shop")
async def get_shop(shop: ShopDep) -> ShopPublic:
    """The shop you are signed in to: platform, currency, time zone and connection status."""
    return ShopPublic.model_validate(shop)
