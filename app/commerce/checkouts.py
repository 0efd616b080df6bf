"""Writing checkouts to the mirror, many at a time (a reconciliation page's hundred as one
webhook's one): as one by one, the newest state of each wins and the rollups move by the same
deltas."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import repository
from app.commerce.changes import (
    ChangeWriter,
    CheckoutFacts,
    CheckoutKnown,
    CheckoutWritten,
    checkout_events,
    facts_of_checkout,
    publish,
)
from app.commerce.models import Checkout
from app.commerce.rounds import in_rounds
from app.db import insert_many_or_skip
from app.integrations.events import CheckoutLine, CheckoutSnapshot, OrderSnapshot
from app.shops.models import Shop

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
    delay = await _delay_if_recovered(session, shop_id, snapshots)
    changes = []
    for snapshot in snapshots:
        row = rows[snapshot.token]
        reported = snapshot.token not in created and not row.from_order  # by the store, before
        newer = not reported or row.platform_updated_at < snapshot.updated_at
        before = None if snapshot.token in created else facts_of_checkout(row)
        # When it was last touched before this state: where a listed one's abandonment counts
        # from (a checkout known from its order alone: its creation).
        left_at = row.platform_updated_at if reported else snapshot.created_at
        if newer:
            _take_over(row, snapshot)
            _take_state(row, snapshot)
        else:  # an older state still tells what never reverts: that it was completed
            _completed(row, snapshot)
        if snapshot.listed_abandoned and delay is not None:
            _recovered_as_listed(row, left_at, delay)
        if newer or facts_of_checkout(row) != before:
            changes.append(CheckoutWritten(before, row))
    await checkouts_written(session, shop_id, changes, rollups)
    return [change.after for change in changes]


def _take_over(row: Checkout, checkout: CheckoutSnapshot) -> None:
    """The store reports a checkout we knew only from its order: its report takes the row's
    place — its creation day above all — and the order's completion stays."""
    if row.from_order:
        row.from_order = False
        row.started_at = checkout.created_at


def _recovered_as_listed(row: Checkout, left_at: datetime, delay: timedelta) -> None:
    """A completed checkout the store lists among its abandoned ones was recovered (Shopify's
    list holds both). Unless the mirror saw it abandoned already, it was abandoned as the sweep
    would date it — when last touched plus the shop's delay — or, completed sooner, as it
    completed (the store's word outweighs our delay)."""
    if row.completed_at is None or row.abandoned_at is not None:
        return
    row.abandoned_at = min(left_at + delay, row.completed_at)
    row.recovered_at = row.completed_at


async def _delay_if_recovered(
    session: AsyncSession, shop_id: int, snapshots: list[CheckoutSnapshot]
) -> timedelta | None:
    """The shop's abandonment delay, read only when a snapshot is a recovered listed one."""
    if not any(s.listed_abandoned and s.completed_at for s in snapshots):
        return None
    statement = select(Shop.abandonment_delay_minutes).where(Shop.id == shop_id)
    return timedelta(minutes=(await session.exec(statement)).one())


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
    _completed(row, checkout)


def _completed(row: Checkout, checkout: CheckoutSnapshot) -> None:
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


async def from_orders(
    session: AsyncSession, shop_id: int, orders: Sequence[OrderSnapshot]
) -> list[CheckoutKnown]:
    """Create a row, unless one exists, for each order's checkout token: a checkout known from
    the order alone, started and completed as the first order naming it was placed, with the
    order's e-mail as its contact details; the rows this call created, as written (not loaded:
    a backfill creates one per order, and reading them back as objects cost a third of its
    speed). The store's own report of the checkout, whenever it comes, takes its place
    (`_take_over`)."""
    first: dict[str, dict[str, Any]] = {}
    for order in orders:
        if order.checkout_token and order.checkout_token not in first:
            first[order.checkout_token] = _known_from(shop_id, order.checkout_token, order)
    inserted = await insert_many_or_skip(
        session, Checkout, list(first.values()), ["shop_id", "token"], ("token",)
    )
    return [CheckoutKnown(token, _facts(first[token])) for (token,) in inserted]


def _facts(values: dict[str, Any]) -> CheckoutFacts:
    """What a checkout known from its order counts as (`_known_from`'s values)."""
    return CheckoutFacts(
        started_at=values["started_at"],
        contact_given=values["contact_given_at"] is not None,
        completed=True,
        abandoned=False,
        recovered=False,
        order_value=values["order_value"],
    )


def _known_from(shop_id: int, token: str, order: OrderSnapshot) -> dict[str, Any]:
    customer = order.customer
    email = customer.email.strip() if customer and customer.email else None
    return {
        "shop_id": shop_id,
        "token": token,
        "started_at": order.created_at,
        "platform_updated_at": order.created_at,
        "email": email or None,
        "customer_key": customer.key if customer else None,
        "contact_given_at": order.created_at if email else None,
        "total": order.total,
        "from_order": True,
        "completed_by_order": order.platform_id,
        "order_value": order.gross - order.discounts,
        "completed_at": order.created_at,
    }
