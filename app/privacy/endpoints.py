"""Privacy requests made by the merchant (WooCommerce has no platform webhooks for them;
Shopify merchants can use them too)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, EmailStr, model_validator

from app.auth.dependencies import ShopDep
from app.deps import RowId, RuntimeDep, SessionDep
from app.errors import NotFound
from app.privacy import service
from app.privacy.customers import CustomerRef
from app.privacy.models import CustomerExport

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])


class CustomerRequest(BaseModel):
    """The customer a request is about: their platform id, their email, or both."""

    customer_id: str | None = None
    email: EmailStr | None = None

    @model_validator(mode="after")
    def _names_someone(self) -> CustomerRequest:
        if not self.customer_id and not self.email:
            raise ValueError("give the customer's customer_id or email")
        return self

    def ref(self) -> CustomerRef:
        return CustomerRef(
            platform_id=self.customer_id, email=str(self.email) if self.email else None
        )


class ExportSummary(BaseModel):
    id: int
    customer_ref: str
    created_at: datetime


class Erasure(BaseModel):
    records_changed: int


@router.post("/customers/export", status_code=201)
async def export_customer(
    body: CustomerRequest, shop: ShopDep, session: SessionDep, runtime: RuntimeDep
) -> ExportSummary:
    """Collect everything StoreOKR holds on one customer into a downloadable export."""
    export = await service.export_customer(
        session, shop.id, body.ref(), above=runtime.personal_data
    )
    return _summary(export)


@router.post("/customers/erase")
async def erase_customer(
    body: CustomerRequest, shop: ShopDep, session: SessionDep, runtime: RuntimeDep
) -> Erasure:
    """Erase one customer's personal data everywhere; totals stay as they are."""
    changed = await service.erase_customer(session, shop.id, body.ref(), runtime.personal_data)
    return Erasure(records_changed=changed)


@router.get("/exports")
async def list_exports(shop: ShopDep, session: SessionDep) -> list[ExportSummary]:
    """Customer exports of this shop, newest first."""
    return [_summary(export) for export in await service.list_exports(session, shop.id)]


@router.get("/exports/{export_id}")
async def download_export(export_id: RowId, shop: ShopDep, session: SessionDep) -> dict[str, Any]:
    """One export's content (JSON to hand to the customer)."""
    export = await service.get_export(session, shop.id, export_id)
    if export is None:
        raise NotFound(f"no export {export_id} in this shop")
    content: dict[str, Any] = json.loads(export.content)
    return content


def _summary(export: CustomerExport) -> ExportSummary:
    return ExportSummary(
        id=_id(export.id), customer_ref=export.customer_ref, created_at=export.created_at
    )


def _id(value: int | None) -> int:
    assert value is not None, "a stored row has an id"
    return value
