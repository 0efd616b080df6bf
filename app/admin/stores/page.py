"""`/admin/stores`: the stores this browser reached by their own login links (#22), and a switch
to another of them without a new link. Inside Shopify there is no list: the Shopify admin
switches stores, each with its own session token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.admin.formats import read_whole
from app.admin.rendering import cookie_session, render
from app.auth.cookies import start_session
from app.auth.dependencies import ShopDep
from app.deps import SessionDep, SettingsDep
from app.shops import repository

router = APIRouter(include_in_schema=False)
PAGE = "/admin/stores"


@router.get(PAGE, response_class=HTMLResponse)
async def stores_page(request: Request, shop: ShopDep, session: SessionDep) -> HTMLResponse:
    """The stores this browser signed in to, the open one marked, each other one a button."""
    signed_in = cookie_session(request)
    reachable = signed_in.shops if signed_in else (shop.id,)
    context = {
        "shop": shop,
        "section": "stores",  # in no section of the top bar's
        "stores": await repository.active_shops(session, reachable),
        "cookie_session": signed_in is not None,
    }
    return render(request, "stores.html", context)


@router.post(PAGE, response_class=HTMLResponse, response_model=None)
async def switch_store(
    request: Request, shop: ShopDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Open another of the browser's stores (303 to its dashboard); a store it never signed in
    to, or one no longer connected, is a 404 and nothing changes."""
    signed_in = cookie_session(request)
    chosen = read_whole((await request.form()).get("store"))
    reachable = signed_in.shops if signed_in else ()
    if (
        chosen is None
        or chosen not in reachable
        or not await repository.active_shops(session, (chosen,))
    ):
        return render(request, "not_found.html", {"shop": shop}, status_code=404)
    response = RedirectResponse("/", status_code=303)
    start_session(response, settings, chosen, reachable)
    return response
