"""A win-back enrollment's single-use discount code, created on the store exactly once.

The code string is derived from the enrollment (an HMAC of our secret key over the shop and
the enrollment id: unguessable, and the same every time it is computed), written to
`win_back_codes` with its expiry and COMMITTED before the store is asked to create it; after
the store's answer the row is confirmed, in a transaction of its own. A retry reads the row,
so it asks for the same code with the same expiry, and a confirmed code is never asked for
again.

The window "the store created it but we failed before confirming" (the job's later work
failed, the worker died, the database went away) is closed by the store itself: a code string
is unique in a store, so asking again for the same code is refused as taken
(`DiscountCodeTaken`: Shopify's TAKEN user error, WooCommerce's
`woocommerce_rest_coupon_code_already_exists`). Since the string is ours alone (keyed by our
secret and an enrollment id), a taken code is our own earlier creation and is confirmed as
such; only its platform id stays unknown. So the store holds one code per enrollment whatever
fails when, and the customer is never shown a code the store does not hold.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from sqlmodel import select

from app.crypto import derived_key
from app.db import insert_many_or_skip
from app.initiatives.models import WinBackCode, WinBackEnrollment
from app.initiatives.settings import WinBackSettings
from app.integrations.base import DiscountCodeRequest, DiscountCodeTaken, DiscountKind
from app.integrations.clients import client_for
from app.runtime import Runtime
from app.shops import service as shops
from app.shops.models import Shop

_PURPOSE = b"storeokr/win-back-code/v1"
PREFIX = "BACK-"


def code_for(runtime: Runtime, shop_id: int, enrollment_id: int) -> str:
    """The enrollment's code: `BACK-` and 10 characters of base32 (upper case, no 0/1/8/9)."""
    key = derived_key(runtime.settings, _PURPOSE)
    digest = hmac.new(key, f"{shop_id}:{enrollment_id}".encode(), hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest).decode()[:10]


async def ensure_code(
    runtime: Runtime,
    shop: Shop,
    enrollment: WinBackEnrollment,
    email: str,
    customer_platform_id: str | None,
    settings: WinBackSettings,
    now: datetime,
) -> WinBackCode:
    """The enrollment's code, created on the store if it is not yet (see the module's text)."""
    assert enrollment.id is not None
    row = await _recorded(runtime, shop, enrollment.id, settings, now)
    if row.confirmed_at is not None:
        return row
    request = DiscountCodeRequest(
        code=row.code,
        kind=DiscountKind(row.kind),
        value=row.value,
        customer_email=email,
        customer_id=customer_platform_id,
        expires_at=row.expires_at,
        title=f"Win-back {row.code}",
    )
    client = client_for(shops.connection_for(runtime, shop), runtime.http, runtime.settings)
    try:
        made = await client.create_discount_code(request)
        platform_id: str | None = made.platform_id
    except DiscountCodeTaken:
        platform_id = None  # our own earlier creation, whose answer we lost
    async with runtime.transaction() as session:
        confirmed = await session.get(WinBackCode, row.id, with_for_update=True)
        assert confirmed is not None
        if confirmed.confirmed_at is None:
            confirmed.confirmed_at, confirmed.platform_id = now, platform_id
            session.add(confirmed)
        await session.flush()
        return confirmed


async def _recorded(
    runtime: Runtime, shop: Shop, enrollment_id: int, settings: WinBackSettings, now: datetime
) -> WinBackCode:
    """The enrollment's code row, written now (and committed) if there is none yet."""
    assert shop.id is not None
    async with runtime.transaction() as session:
        values = {
            "shop_id": shop.id,
            "enrollment_id": enrollment_id,
            "code": code_for(runtime, shop.id, enrollment_id),
            "kind": settings.discount_kind.value,
            "value": settings.discount_value,
            "expires_at": now + settings.code_expiry,
            "created_at": now,
        }
        await insert_many_or_skip(session, WinBackCode, [values], ["enrollment_id"], ("id",))
        statement = select(WinBackCode).where(
            WinBackCode.shop_id == shop.id, WinBackCode.enrollment_id == enrollment_id
        )
        return (await session.exec(statement.execution_options(populate_existing=True))).one()
