"""Staging tables on PostgreSQL: a batch's records are COPY'd into per-connection temporary
tables, then moved into the mirror with a few set-based statements (`commerce.bulk`).

A temporary table lives as long as its connection, is seen by nobody else and is never written
to the WAL; each batch empties it first, so a transaction may stage several batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

# Name → its columns' definitions. Other layers read these tables by name (the rollups join the
# staged orders' ids), so the names are this module's contract.
STAGED_ORDERS = "staged_orders"
STAGED_LINES = "staged_order_lines"
STAGED_REFUNDS = "staged_refunds"
STAGED_CUSTOMERS = "staged_customers"

TABLES: dict[str, str] = {
    STAGED_ORDERS: "AS SELECT * FROM orders WITH NO DATA",
    STAGED_LINES: (
        "AS SELECT l.*, o.platform_id AS order_platform_id FROM order_lines l "
        "JOIN orders o ON o.id = l.order_id WITH NO DATA"
    ),
    STAGED_REFUNDS: "AS SELECT * FROM refunds WITH NO DATA",
    STAGED_CUSTOMERS: "AS SELECT *, 0 AS ordinal FROM customers WITH NO DATA",
}


async def stage(
    session: AsyncSession, table: str, columns: Sequence[str], records: list[tuple[Any, ...]]
) -> None:
    """Empty the staging table `table` (made on first use) and COPY `records` into it."""
    await ensure_staging_table(session, table, TABLES[table])
    connection = await driver_connection(session)
    if records:
        await connection.copy_records_to_table(table, records=records, columns=list(columns))


async def ensure_staging_table(session: AsyncSession, table: str, definition: str) -> None:
    """Create the temporary table `table` if this connection has none, and empty it."""
    await session.exec(  # type: ignore[call-overload]
        text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} {definition}")
    )
    await session.exec(text(f"TRUNCATE {table}"))  # type: ignore[call-overload]


async def driver_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session's transaction (COPY has no SQLAlchemy form)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection
