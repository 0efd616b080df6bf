"""Helpers for store-connection tests."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import metadata, utcnow
from tests.fixtures.platforms import API_SECRET


def signed_callback_query(
    shop: str,
    state: str,
    code: str = "auth-code-1",
    secret: str = API_SECRET,
    signed_at: datetime | None = None,
) -> str:
    """The query Shopify sends to the OAuth callback (signed now unless `signed_at`), signed
    as its docs describe."""
    timestamp = str(int((signed_at or utcnow()).timestamp()))
    params = {"code": code, "shop": shop, "state": state, "timestamp": timestamp}
    message = "&".join(f"{key}={params[key]}" for key in sorted(params))
    params["hmac"] = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return urlencode(params)


def query_param(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


# One table's rows, each as column name -> value.
Rows = list[dict[str, Any]]


async def stored_rows(engine: AsyncEngine) -> dict[str, Rows]:
    """Every row of every table, by table, each table's rows in a stable order: two of these
    are equal exactly when nothing was written in between."""
    stored: dict[str, Rows] = {}
    async with engine.connect() as connection:
        for table in metadata.sorted_tables:
            result = await connection.execute(text(f'SELECT * FROM "{table.name}"'))
            stored[table.name] = sorted((dict(row._mapping) for row in result), key=repr)
    return stored


def rows_of_shop(stored: dict[str, Rows], shop_id: int) -> dict[str, Rows]:
    """The rows that belong to one shop: its `shops` row and every row carrying its id."""
    return {
        table: [row for row in rows if _owner(table, row) == shop_id]
        for table, rows in stored.items()
    }


def _owner(table: str, row: dict[str, Any]) -> object:
    return row["id"] if table == "shops" else row.get("shop_id")


def new_rows(before: dict[str, Rows], after: dict[str, Rows]) -> Rows:
    """Rows in `after` that `before` did not hold (inserted, or changed in some column)."""
    return [
        row for table, rows in after.items() for row in rows if row not in before.get(table, [])
    ]


async def all_stored_text(engine: AsyncEngine) -> str:
    """Every value in every table, as text: what a copy of the database would reveal."""
    stored = await stored_rows(engine)
    return "\n".join(repr(tuple(row.values())) for rows in stored.values() for row in rows)


async def count_rows(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(f'SELECT count(*) FROM "{table}"'))).scalar_one())
