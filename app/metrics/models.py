"""Rollups: additive figures per shop, shop-local day and slot (sums and counts only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Field, SQLModel

from app.db import Money

# A flash sale sends one shop's orders to one day: spreading each day over a few rows (by order)
# keeps concurrent workers from queueing on one row lock; queries sum the slots.
SLOTS = 8


class SalesDay(SQLModel, table=True):
    __tablename__ = "sales_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    gross: Decimal = Field(default=Decimal("0"), sa_type=Money)
    discounts: Decimal = Field(default=Decimal("0"), sa_type=Money)
    returns: Decimal = Field(default=Decimal("0"), sa_type=Money)
    orders: int = 0
    units: int = 0
