"""Carrying out privacy requests. Services flush; the request or job boundary commits."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from sqlalchemy import delete, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import app.models  # noqa: F401  (every table, so erasure misses none)
from app.db import metadata, utcnow
from app.privacy.customers import HOLDERS, CustomerRef, PersonalData
from app.privacy.models import CustomerExport
from app.shops.models import Shop

logger = logging.getLogger(__name__)


def holders(above: Mapping[str, PersonalData]) -> dict[str, PersonalData]:
    """Every holder of personal data: those of the layers above (`Runtime.personal_data`,
    registered in `app/wiring.py`) first, as they find the customer through the store mirror
    before its own holder forgets them, then privacy's own (`HOLDERS`)."""
    return {**above, **HOLDERS}


async def export_customer(
    session: AsyncSession,
    shop_id: int,
    customer: CustomerRef,
    request_ref: str | None = None,
    above: Mapping[str, PersonalData] | None = None,
) -> CustomerExport:
    held = {
        name: await holder.export(session, shop_id, customer)
        for name, holder in holders(above or {}).items()
    }
    content = {
        "customer": {"id": customer.platform_id, "email": customer.email, "phone": customer.phone},
        "exported_at": utcnow().isoformat(),
        "data": held,
    }
    export = CustomerExport(
        shop_id=shop_id,
        customer_ref=customer.label,
        request_ref=request_ref,
        content=json.dumps(content, default=str),
    )
    session.add(export)
    await session.flush()
    return export


async def erase_customer(
    session: AsyncSession,
    shop_id: int,
    customer: CustomerRef,
    above: Mapping[str, PersonalData] | None = None,
) -> int:
    """Erase the customer's personal data everywhere we hold it (exports of it included);
    amounts and anonymous aggregates stay. Returns how many records were changed."""
    changed = 0
    for holder in holders(above or {}).values():
        changed += await holder.erase(session, shop_id, customer)
    refs = [ref for ref in (customer.platform_id, customer.email) if ref]
    if refs:
        result = await session.exec(
            delete(CustomerExport).where(
                col(CustomerExport.shop_id) == shop_id,
                or_(*(col(CustomerExport.customer_ref) == ref for ref in refs)),
            )
        )
        changed += result.rowcount or 0
    logger.info("erased customer %s of shop %s (%d records)", customer.label, shop_id, changed)
    return changed


async def erase_shop(session: AsyncSession, shop_id: int) -> None:
    """Delete every row of the shop in every table, then the shop itself."""
    for table in reversed(metadata.sorted_tables):
        if "shop_id" in table.c:
            await session.exec(delete(table).where(table.c.shop_id == shop_id))
    await session.exec(delete(Shop).where(col(Shop.id) == shop_id))
    logger.info("erased shop %s and all its data", shop_id)


async def list_exports(session: AsyncSession, shop_id: int) -> list[CustomerExport]:
    statement = (
        select(CustomerExport)
        .where(CustomerExport.shop_id == shop_id)
        .order_by(col(CustomerExport.created_at).desc())
    )
    return list((await session.exec(statement)).all())


async def get_export(session: AsyncSession, shop_id: int, export_id: int) -> CustomerExport | None:
    statement = select(CustomerExport).where(
        CustomerExport.shop_id == shop_id, CustomerExport.id == export_id
    )
    return (await session.exec(statement)).first()
