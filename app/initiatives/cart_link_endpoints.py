"""The cart links of recovery e-mails (no sign-in): `/r/<token>` redirects (302) to the store's
address that rebuilds the checkout's cart (`app.initiatives.cart_links`). A token we did not
sign, or one naming a checkout the shop does not hold, is a 404 page in sentences that goes
nowhere and changes nothing; a checkout completed meanwhile goes to the shop instead. The
answer sets no cookie, says `no-store` and sends no referrer onwards, as the click redirect."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import SessionDep, SettingsDep
from app.initiatives.cart_links import PATH, destination, read_cart_token
from app.messaging.tracking_endpoints import HEADERS, invalid_link_page

router = APIRouter(tags=["tracking"], include_in_schema=False)


@router.get(PATH + "{token}", response_model=None)
async def cart_link(
    token: str, request: Request, settings: SettingsDep, session: SessionDep
) -> Response:
    """A recovery e-mail's cart link: on to the store, the shopper's cart filled again (302)."""
    link = read_cart_token(settings, token)
    going = await destination(session, link) if link is not None else None
    if going is None:
        return invalid_link_page(request)
    return RedirectResponse(going, status_code=302, headers=HEADERS)
