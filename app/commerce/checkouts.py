"""Writing checkouts to the mirror, many at a time (a reconciliation page's hundred as one
webhook's one): as one by one, the newest state of each wins and the rollups move by the same
deltas."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import repository
from app.commerce.changes import (
    ChangeWriter,
    CheckoutWritten,
    checkout_events,
    facts_of_checkout,
    publish,
)
from app.commerce.models import Checkout
from app.commerce.rounds import in_rounds
from app.db import insert_many_or_skip
from app.integrations.events import CheckoutLine, CheckoutSnapshot

FirstSeen = tuple[str, datetime, datetime]  # token, started, updated


async def apply_checkouts(
    session: AsyncSession,
    shop_id: int,
    snapshots: Sequence[CheckoutSnapshot],
    rollups: ChangeWriter,
) -> list[Checkout]:
    """Apply the snapshots newer than what we hold; the rows they changed."""
    apply_round = partial(_apply_round, session, shop_id, rollups=rollups)
    return await in_rounds(snapshots, lambda snapshot: snapshot.token, apply_round)


async def _apply_round(
    session: AsyncSession,
    shop_id: int,
    snapshots: list[CheckoutSnapshot],
    *,
    rollups: ChangeWriter,
) -> list[Checkout]:
    seen = [(s.token, s.created_at, s.updated_at) for s in snapshots]
    created = await ensure_checkouts(session, shop_id, seen)
    rows = await repository.lock_checkouts(session, shop_id, [s.token for s in snapshots])
    changes = []
    for snapshot in snapshots:
        row = rows[snapshot.token]
        if snapshot.token not in created and row.platform_updated_at >= snapshot.updated_at:
            continue
        before = None if snapshot.token in created else facts_of_checkout(row)
        _take_state(row, snapshot)
        changes.append(CheckoutWritten(before, row))
    await checkouts_written(session, shop_id, changes, rollups)
    return [change.after for change in changes]


async def checkouts_written(
    session: AsyncSession, shop_id: int, written: list[CheckoutWritten], rollups: ChangeWriter
) -> None:
    """Checkout rows changed (their locks held): the rollups move with them, in this
    transaction; what happened is published after it commits."""
    await session.flush()
    await rollups.checkouts_written(session, shop_id, written)
    publish(session, checkout_events(shop_id, written))


def _take_state(row: Checkout, checkout: CheckoutSnapshot) -> None:
    row.platform_updated_at = checkout.updated_at
    row.email, row.phone, row.total = checkout.email, checkout.phone, checkout.total
    row.recovery_url = checkout.recovery_url or row.recovery_url
    row.customer_key = checkout.customer.key if checkout.customer else row.customer_key
    if checkout.lines:  # a snapshot without lines (an abandoned-cart plugin's) keeps the cart
        row.lines = [_line(line) for line in checkout.lines]
    row.first_name = checkout.first_name or row.first_name
    if checkout.accepts_marketing is not None:
        row.accepts_marketing = checkout.accepts_marketing
    if checkout.has_contact and row.contact_given_at is None:
        row.contact_given_at = checkout.updated_at
    if checkout.completed_at and row.completed_at is None:
        row.completed_at = checkout.completed_at
        if row.abandoned_at is not None:
            row.recovered_at = checkout.completed_at


def _line(line: CheckoutLine) -> dict[str, Any]:
    """A cart line as the row keeps it; the product, variant and picture only when known (rows
    written before they were kept simply lack them)."""
    kept: dict[str, Any] = {
        "title": line.title,
        "quantity": line.quantity,
        "unit_price": str(line.unit_price),
    }
    for name in ("product_id", "variant_id", "image_url"):
        if (value := getattr(line, name)) is not None:
            kept[name] = value
    return kept


async def ensure_checkouts(
    session: AsyncSession, shop_id: int, first_seen: list[FirstSeen]
) -> set[str]:
    """Create the checkouts' rows unless they exist, in one statement (two events about one
    checkout may be applied at once); the tokens this call created."""
    values = [
        {
            "shop_id": shop_id,
            "token": token,
            "started_at": started_at,
            "platform_updated_at": updated_at,
            "total": Decimal("0"),
        }
        for token, started_at, updated_at in first_seen
    ]
    inserted = await insert_many_or_skip(
        session, Checkout, values, ["shop_id", "token"], ("token",)
    )
    return {token for (token,) in inserted}
