"""Rollups: additive figures per shop, shop-local day and slot (sums and counts only).

Each table's figure columns are named after the fields of its figures class, so one upsert
serves them all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from app.db import Money

# A flash sale sends one shop's orders to one day: spreading each day over a few rows (by order,
# customer or checkout) keeps concurrent workers from queueing on one row lock; queries sum them.
SLOTS = 8

ZERO = Decimal("0")


class SalesDay(SQLModel, table=True):
    __tablename__ = "sales_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    gross: Decimal = Field(default=ZERO, sa_type=Money)
    discounts: Decimal = Field(default=ZERO, sa_type=Money)
    returns: Decimal = Field(default=ZERO, sa_type=Money)
    orders: int = 0
    units: int = 0
    customer_sales: Decimal = Field(default=ZERO, sa_type=Money)
    customer_returns: Decimal = Field(default=ZERO, sa_type=Money)
    fulfilled: int = 0
    fulfillment_seconds: int = Field(default=0, sa_type=BigInteger)
    costed_sales: Decimal = Field(default=ZERO, sa_type=Money)
    cost: Decimal = Field(default=ZERO, sa_type=Money)


class CustomerDay(SQLModel, table=True):
    """Counted orders of known customers by day and the day of the customer's previous order."""

    __tablename__ = "customer_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    previous: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    orders: int = 0
    firsts: int = 0
    seconds: int = 0
    repeaters: int = 0


class CheckoutDay(SQLModel, table=True):
    __tablename__ = "checkout_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    started: int = 0
    completed: int = 0
    abandoned: int = 0
    recovered: int = 0
    recovered_sales: Decimal = Field(default=ZERO, sa_type=Money)


class CustomerDayTotals(SQLModel, table=True):
    """Counted orders of known customers by day (`customers.CustomerDayFigures`)."""

    __tablename__ = "customer_day_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    orders: int = 0
    firsts: int = 0
    repeaters: int = 0
    same_day: int = 0
    same_day_seconds: int = 0


class CustomerPreviousTotals(SQLModel, table=True):
    """Counted orders of known customers by their previous order's day, exact."""

    __tablename__ = "customer_previous_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    previous: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    orders: int = 0
    seconds: int = 0
