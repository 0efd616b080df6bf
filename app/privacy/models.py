from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class CustomerExport(SQLModel, table=True):
    """What we held on one customer when the merchant (or Shopify for them) asked: JSON the
    merchant downloads and hands to the customer."""

    __tablename__ = "customer_exports"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    customer_ref: str = Field(max_length=320)  # the platform id, or the email
    request_ref: str | None = Field(default=None, max_length=64)  # Shopify's data_request id
    content: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
