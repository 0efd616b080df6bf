"""The Sharing page: read-only links to the live dashboard (made, listed, revoked) and the CSV
exports. What a link opens is `share_page`; the exports are `exports`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.flash import Flash, redirect
from app.admin.formats import read_whole
from app.admin.i18n import gettext as _
from app.admin.rendering import render
from app.admin.signed_out import signed_out_page
from app.auth.dependencies import CSRF_FIELD, MaybeShopDep, ShopDep
from app.auth.signed_out import SignedOut
from app.config import Settings
from app.db import utcnow
from app.deps import RowId, SessionDep, SettingsDep
from app.metrics.figures import local_day
from app.sharing import links
from app.sharing.models import LABEL_MAX, ShareLink
from app.shops.models import SignedInShop

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class LinkRow:
    link: ShareLink
    status: links.LinkStatus
    expires: date  # shop-local
    url: str | None  # only while active: an expired or revoked URL opens nothing


@dataclass
class LinkForm:
    """The new-link form: as typed, and why it was refused (field name → message)."""

    label: str = ""
    days: str = str(links.DEFAULT_DAYS)
    errors: dict[str, str] = field(default_factory=dict)


@router.get("/admin/sharing", response_class=HTMLResponse)
async def sharing_page(
    request: Request,
    shop: MaybeShopDep,
    session: SessionDep,
    settings: SettingsDep,
    created: int | None = None,
) -> HTMLResponse:
    """The shop's share links and exports; without a sign-in, how to sign in (401)."""
    if shop is None:
        return signed_out_page(request, SignedOut.NO_SESSION)
    return await _page(request, session, settings, shop, LinkForm(), created)


@router.post("/admin/sharing", response_class=HTMLResponse, response_model=None)
async def create_link(
    request: Request, shop: ShopDep, session: SessionDep, settings: SettingsDep
) -> HTMLResponse | RedirectResponse:
    """A new link; a refused form comes back (422) with each error beside its field."""
    form = await request.form()
    checked = _checked(
        LinkForm(label=str(form.get("label", "")).strip(), days=str(form.get("days", "")).strip())
    )
    if checked.errors:
        return await _page(request, session, settings, shop, checked, status_code=422)
    link = await links.create_link(session, shop.id, checked.label, int(checked.days))
    return RedirectResponse(f"/admin/sharing?created={link.id}", status_code=303)


@router.get("/admin/sharing/{link_id}/revoke", response_class=HTMLResponse)
async def confirm_revoke(
    request: Request, link_id: RowId, shop: ShopDep, session: SessionDep
) -> HTMLResponse:
    """Ask before revoking: what the link's holders lose, and that it cannot be undone. A step
    of its own, so it works without JavaScript; a link no longer active goes back to the list."""
    link = await links.link_of(session, shop.id, link_id)
    if link is None:
        return render(request, "not_found.html", {"shop": shop}, status_code=404)
    active = links.status_of(link, utcnow()) is links.LinkStatus.ACTIVE
    context = {"shop": shop, "section": "sharing", "link": link, "active": active}
    return render(request, "sharing_revoke.html", context)


@router.post("/admin/sharing/{link_id}/revoke", response_class=RedirectResponse)
async def revoke_link(link_id: RowId, shop: ShopDep, session: SessionDep) -> RedirectResponse:
    """Revoke one of the shop's links: it answers 404 from now on, and its open streams end."""
    await links.revoke(session, shop.id, link_id)
    return redirect("/admin/sharing", Flash.REVOKED)


def _checked(form: LinkForm) -> LinkForm:
    if not form.label:
        form.errors["label"] = _("Give the link a name, e.g. who it is for.")
    elif len(form.label) > LABEL_MAX:
        form.errors["label"] = _("A name has at most %(max)s characters.") % {"max": LABEL_MAX}
    days = read_whole(form.days) or 0
    if not links.MIN_DAYS <= days <= links.MAX_DAYS:
        form.errors["days"] = _("Enter a whole number of days from %(min)s to %(max)s.") % {
            "min": links.MIN_DAYS,
            "max": links.MAX_DAYS,
        }
    return form


async def _page(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    shop: SignedInShop,
    form: LinkForm,
    created: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows = _rows(await links.links_of(session, shop.id), settings, shop)
    context = {
        "shop": shop,
        "section": "sharing",
        "form": form,
        "rows": rows,
        "created": next((row for row in rows if row.link.id == created and row.url), None),
        "min_days": links.MIN_DAYS,
        "max_days": links.MAX_DAYS,
        "label_max": LABEL_MAX,
        "csrf_field": CSRF_FIELD,
    }
    return render(request, "sharing.html", context, status_code=status_code)


def _rows(found: list[ShareLink], settings: Settings, shop: SignedInShop) -> list[LinkRow]:
    now = utcnow()
    rows = []
    for link in found:
        status = links.status_of(link, now)
        url = links.url_for(link, settings) if status is links.LinkStatus.ACTIVE else None
        rows.append(LinkRow(link, status, local_day(link.expires_at, shop.timezone), url))
    return rows
