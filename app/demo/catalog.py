"""What the demo store sells and who shops there."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

DEMO_SHOP = "nordlicht-demo.myshopify.com"
DEMO_CURRENCY = "EUR"
DEMO_TIMEZONE = "Europe/Berlin"
DEMO_NAME = "Nordlicht Outdoor (demo)"
# A second presentment currency: some shoppers pay in USD; the shop counts in EUR.
USD_PER_EUR = Decimal("1.0825")
VAT = Decimal("0.19")
SHIPPING = Decimal("4.90")
# The demo shop's abandonment delay (its setting, and what its store counts as abandoned): short,
# so that abandoned checkouts show within a demo's attention span.
DEMO_ABANDONMENT_MINUTES = 2


@dataclass(frozen=True)
class Product:
    product_id: int
    variant_id: int
    title: str
    price: Decimal


PRODUCTS = (
    Product(8101, 44101, "Merino Hiking Socks", Decimal("19.90")),
    Product(8102, 44102, "Trail Running Cap", Decimal("24.00")),
    Product(8103, 44103, "Down Jacket Alpenglow", Decimal("129.00")),
    Product(8104, 44104, "Insulated Bottle 750 ml", Decimal("32.50")),
    Product(8105, 44105, "Headlamp 400 lm", Decimal("44.90")),
    Product(8106, 44106, "Rain Shell Pro", Decimal("189.00")),
)

FIRST_NAMES = ("Lena", "Jonas", "Mia", "Paul", "Emma", "Ben", "Hanna", "Luca", "Sofia", "Noah")
LAST_NAMES = ("Hoffmann", "Becker", "Wagner", "Schulz", "Keller", "Richter", "Klein", "Wolf")
