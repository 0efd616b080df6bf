from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from app.auth.cookies import SESSION_COOKIE, shops_of, start_session
from app.auth.signed_out import SignedOut
from app.deps import SessionDep, SettingsDep
from app.errors import NotFound
from app.shops import service
from app.shops.models import NoncePurpose

router = APIRouter(prefix="/auth", tags=["auth"])


@router.get("/login", response_class=RedirectResponse, status_code=303)
async def login(
    request: Request, token: str, session: SessionDep, settings: SettingsDep
) -> RedirectResponse:
    """Open the admin with a one-time login link (WooCommerce merchants, shared links); the
    browser's earlier stores stay in its session, for the store switcher."""
    nonce = await service.use_nonce(session, token, NoncePurpose.LOGIN_LINK)
    if nonce is None or nonce.shop_id is None:
        raise NotFound(
            "this login link is unknown, used or expired: ask for a new one",
            details={"reason": SignedOut.LOGIN_LINK_USED},
        )
    response = RedirectResponse("/", status_code=303)
    earlier = shops_of(request.cookies.get(SESSION_COOKIE), settings)
    start_session(response, settings, nonce.shop_id, earlier)
    return response
