"""Every table module, imported in one place so that the metadata is complete for Alembic,
the drift test and anything that walks all tables (e.g. shop erasure)."""

from app.shops.models import Shop

__all__ = ["Shop"]
