"""The live OKR dashboard: the open cycle's scorecard and the key results whose status dropped
this past week (noted by the alerts' check, `app.digest.alerts`, never by this page), each
swapped in again when the event stream says key results moved or their statuses were noted."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.dashboard.onboarding import first_steps
from app.admin.editor import proposals
from app.admin.editor.page import guided_start, has_cycles
from app.admin.editor.survey_link import survey_link
from app.admin.rendering import render
from app.admin.signed_out import signed_out_page
from app.auth.dependencies import MaybeShopDep, ShopDep
from app.auth.signed_out import SignedOut
from app.db import utcnow
from app.deps import SessionDep
from app.digest.alerts.records import SHOWN_FOR, Drop, recent_drops
from app.okr.scorecard import current_scorecard
from app.okr.service import today_for
from app.shops.models import SignedInShop

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, shop: MaybeShopDep, session: SessionDep) -> HTMLResponse:
    """The current cycle's objectives and key results, kept live by the page's event stream;
    without a sign-in, how to sign in (401)."""
    if shop is None:
        return signed_out_page(request, SignedOut.NO_SESSION)
    today = today_for(shop)
    card = await current_scorecard(session, shop.id, today)
    drops = await _drops(session, shop)
    context: dict[str, object] = {
        "shop": shop,
        "card": card,
        "this_year": today.year,
        "steps": await first_steps(session, shop),
        "drops": drops,
    }
    if card is None and not await has_cycles(session, shop):
        context["guided"] = await guided_start(session, shop)  # a new shop: where to begin
        context.update(proposals.WORDS, survey=await survey_link(session, shop.id))
    return render(request, "dashboard.html", context)


@router.get("/admin/scorecard", response_class=HTMLResponse)
async def scorecard_fragment(request: Request, shop: ShopDep, session: SessionDep) -> HTMLResponse:
    """The dashboard's scorecard alone: htmx swaps it in when the stream says it moved."""
    card = await current_scorecard(session, shop.id, today_for(shop))
    return render(request, "_scorecard.html", {"card": card, "shop": shop})


@router.get("/admin/status-drops", response_class=HTMLResponse)
async def status_drops_fragment(
    request: Request, shop: ShopDep, session: SessionDep
) -> HTMLResponse:
    """The dashboard's notice of status drops alone: htmx swaps it in with the scorecard."""
    drops = await _drops(session, shop)
    return render(request, "_status_drops.html", {"drops": drops, "shop": shop})


async def _drops(session: AsyncSession, shop: SignedInShop) -> list[Drop]:
    return await recent_drops(session, shop.id, utcnow() - SHOWN_FOR)
