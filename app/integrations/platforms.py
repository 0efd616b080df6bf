"""The store platforms StoreOKR connects to (each has its adapter: `app.integrations.adapters`)."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
