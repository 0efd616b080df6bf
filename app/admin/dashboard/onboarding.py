"""The dashboard's first-steps checklist (#22): what a new shop still has to do, each step a
link to the page where it is done, done steps ticked; gone once every step is done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.admin.i18n import gettext as _
from app.commerce.models import StoreSync, SyncKind, SyncStatus
from app.digest.models import DigestSettings
from app.initiatives.models import Initiative
from app.okr.models import Objective
from app.shops.models import ShopStatus, SignedInShop


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    href: str
    done: bool


async def first_steps(session: AsyncSession, shop: SignedInShop) -> list[Step] | None:
    """The checklist, or None once every step is done (a shop set up needs no list)."""
    steps = [
        Step("store", _("Connect your store"), "/admin/operations",
             shop.status is ShopStatus.ACTIVE),
        Step("history", _("Load your store's order history"), "/admin/operations",
             await _any(session, _history_loaded(shop.id))),
        Step("objective", _("Write your first objective"), "/admin/okrs",
             await _any(session, select(Objective.id).where(Objective.shop_id == shop.id))),
        Step("initiative", _("Start your first initiative"), "/admin/initiatives",
             await _any(session, select(Initiative.id).where(Initiative.shop_id == shop.id))),
        Step("digest", _("Switch on the weekly digest"), "/admin/digest",
             await _any(session, _digest_on(shop.id))),
    ]  # fmt: skip
    return None if all(step.done for step in steps) else steps


def _history_loaded(shop_id: int) -> SelectOfScalar[Any]:
    """A backfill of the store's history that finished (the install starts one)."""
    return select(StoreSync.id).where(
        StoreSync.shop_id == shop_id,
        col(StoreSync.kind) == SyncKind.BACKFILL,
        col(StoreSync.status) == SyncStatus.DONE,
    )


def _digest_on(shop_id: int) -> SelectOfScalar[Any]:
    return select(DigestSettings.shop_id).where(
        DigestSettings.shop_id == shop_id, col(DigestSettings.enabled).is_(True)
    )


async def _any(session: AsyncSession, statement: SelectOfScalar[Any]) -> bool:
    return (await session.exec(statement.limit(1))).first() is not None
