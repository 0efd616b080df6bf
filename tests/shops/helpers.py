"""Helpers for store-connection tests."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import metadata
from tests.fixtures.platforms import API_SECRET


def signed_callback_query(
    shop: str, state: str, code: str = "auth-code-1", secret: str = API_SECRET
) -> str:
    """The query Shopify sends to the OAuth callback, signed as its docs describe."""
    params = {"code": code, "shop": shop, "state": state, "timestamp": "1763900000"}
    message = "&".join(f"{key}={params[key]}" for key in sorted(params))
    params["hmac"] = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return urlencode(params)


def query_param(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


async def all_stored_text(engine: AsyncEngine) -> str:
    """Every value in every table, as text: what a copy of the database would reveal."""
    chunks: list[str] = []
    async with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = await connection.execute(text(f'SELECT * FROM "{table.name}"'))
            chunks.extend(repr(tuple(row)) for row in rows)
    return "\n".join(chunks)


async def count_rows(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(f'SELECT count(*) FROM "{table}"'))).scalar_one())
