"""`GET /admin/export/*.csv`: the signed-in shop's key results and check-ins as downloads."""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi import APIRouter
from fastapi.responses import Response

from app.auth.dependencies import ShopDep
from app.deps import SessionDep
from app.okr.service import today_for
from app.sharing import exports
from app.shops.models import SignedInShop

router = APIRouter(include_in_schema=False)


@router.get("/admin/export/key-results.csv")
async def key_results_csv(shop: ShopDep, session: SessionDep) -> Response:
    """Every key result of every cycle with today's status (closed cycles: the final one)."""
    rows = await exports.key_result_rows(session, shop)
    return _download(shop, "key-results", exports.KEY_RESULT_COLUMNS, rows)


@router.get("/admin/export/check-ins.csv")
async def check_ins_csv(shop: ShopDep, session: SessionDep) -> Response:
    """Every check-in people made, oldest first (not the daily snapshots)."""
    rows = await exports.check_in_rows(session, shop)
    return _download(shop, "check-ins", exports.CHECK_IN_COLUMNS, rows)


def _download(
    shop: SignedInShop, what: str, columns: Sequence[str], rows: list[exports.Row]
) -> Response:
    name = f"storeokr-{_slug(shop.domain)}-{what}-{today_for(shop).isoformat()}.csv"
    return Response(
        exports.to_csv(columns, rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _slug(domain: str) -> str:
    """The domain as a safe file-name part (a WooCommerce domain is a URL)."""
    plain = re.sub(r"^https?://", "", domain)
    return re.sub(r"[^A-Za-z0-9.-]+", "-", plain).strip("-.") or "shop"
