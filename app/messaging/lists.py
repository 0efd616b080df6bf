"""Who asked to be taken off which of a shop's mailing lists (`MailingList`): the marketing of
its initiatives, or its weekly digest. Every e-mail of either carries RFC 8058's one-click
unsubscribe for its own list (`one_click_headers`); an address is held only as its per-shop
digest."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import UTCDateTime
from app.events import publish_after_commit
from app.messaging.addresses import address_digest
from app.messaging.events import MessagesMoved
from app.messaging.models import MailingList, MarketingUnsubscribe

ONE_CLICK = "List-Unsubscribe=One-Click"


def one_click_headers(url: str) -> dict[str, str]:
    """RFC 8058: the signed unsubscribe URL, and that a POST to it unsubscribes."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}


async def unsubscribe(
    session: AsyncSession,
    shop_id: int,
    digest: str,
    now: datetime,
    mailing_list: MailingList = MailingList.MARKETING,
) -> None:
    """No more of this shop's `mailing_list` to this address (again, or for a shop we no longer
    hold: nothing happens). One statement, so two clicks at once cannot collide; only the
    first leaving the marketing list is told to its metrics (`MessagesMoved`)."""
    params = {"shop_id": shop_id, "digest": digest, "now": now, "list": mailing_list.value}
    result = await session.exec(_UNSUBSCRIBE, params=params)  # type: ignore[call-overload]
    if result.rowcount and mailing_list is MailingList.MARKETING:
        publish_after_commit(session, MessagesMoved(shop_id, now))


async def unsubscribed(
    session: AsyncSession, shop_id: int, mailing_list: MailingList, addresses: Iterable[str]
) -> set[str]:
    """Those of `addresses` (as given) that left the shop's `mailing_list`."""
    by_digest = {address_digest(shop_id, address): address for address in addresses}
    if not by_digest:
        return set()
    statement = select(MarketingUnsubscribe.address_digest).where(
        MarketingUnsubscribe.shop_id == shop_id,
        MarketingUnsubscribe.mailing_list == mailing_list,
        col(MarketingUnsubscribe.address_digest).in_(list(by_digest)),
    )
    return {by_digest[digest] for digest in (await session.exec(statement)).all()}


# Messaging names no feature's table in Python; the shop is checked by name here.
_UNSUBSCRIBE = text(
    "INSERT INTO marketing_unsubscribes (shop_id, mailing_list, address_digest, created_at) "
    "SELECT :shop_id, :list, :digest, :now WHERE EXISTS (SELECT 1 FROM shops WHERE id = :shop_id) "
    "ON CONFLICT (shop_id, mailing_list, address_digest) DO NOTHING"
).bindparams(bindparam("now", type_=UTCDateTime()))
