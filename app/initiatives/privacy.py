"""What initiatives hold on a customer, for privacy requests (registered in `app/wiring.py`'s
`personal_data()`; it runs before the store mirror's holder, whose keys it reads).

Enrollments hold no address or name (the e-mails read them from the mirror at send time), but
a customer's key can be their address (`email:<address>` for a guest), and the send log holds
a per-shop digest of the address each message went to. A redaction removes the customer from
every sequence: their active recovery and win-back enrollments are cancelled, every enrollment
of theirs is given an anonymous key (a recovery's none), and the send log forgets their
addresses' digests — its rows stay, so counts of messages sent, opened and clicked, and
recoveries and reactivations, stay as they were; so do their experiment groups, under an
anonymous key (a redacted customer still counts in the group they were in). Their discount
codes stay too: a code names no one here (the store restricts it to the address) and its
redemption is a count.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Checkout, Customer
from app.commerce.privacy import customer_keys
from app.db import utcnow
from app.initiatives.experiments.models import ExperimentAssignment
from app.initiatives.models import EnrollmentStatus, RecoveryEnrollment, WinBackEnrollment
from app.messaging.marketing import forget_address
from app.privacy.customers import CustomerRef

REDACTED = "customer_redacted"


class InitiativesPersonalData:
    async def export(self, session: AsyncSession, shop_id: int, customer: CustomerRef) -> Any:
        keys, tokens, _addresses = await _whom(session, shop_id, customer)
        recoveries = await session.exec(
            select(RecoveryEnrollment).where(
                RecoveryEnrollment.shop_id == shop_id, _recovery_of(keys, tokens)
            )
        )
        win_backs = await session.exec(
            select(WinBackEnrollment).where(
                WinBackEnrollment.shop_id == shop_id,
                col(WinBackEnrollment.customer_key).in_(keys),
            )
        )
        groups = await session.exec(
            select(ExperimentAssignment).where(
                ExperimentAssignment.shop_id == shop_id,
                col(ExperimentAssignment.customer_key).in_(_units(keys, tokens)),
            )
        )
        return {
            "experiment_groups": [
                g.model_dump(mode="json", exclude={"shop_id", "customer_key"}) for g in groups.all()
            ],
            "recovery_enrollments": [
                e.model_dump(mode="json", exclude={"shop_id"}) for e in recoveries.all()
            ],
            "win_back_enrollments": [
                e.model_dump(mode="json", exclude={"shop_id"}) for e in win_backs.all()
            ],
        }

    async def erase(self, session: AsyncSession, shop_id: int, customer: CustomerRef) -> int:
        keys, tokens, addresses = await _whom(session, shop_id, customer)
        now = utcnow()
        changed = 0
        for model, where in (
            (RecoveryEnrollment, _recovery_of(keys, tokens)),
            (WinBackEnrollment, col(WinBackEnrollment.customer_key).in_(keys)),
        ):
            # Out of every sequence: nothing more is sent to them.
            await session.exec(
                update(model)
                .where(
                    col(model.shop_id) == shop_id,
                    where,
                    col(model.status) == EnrollmentStatus.ACTIVE,
                )
                .values(
                    status=EnrollmentStatus.CANCELLED,
                    end_reason=REDACTED,
                    ended_at=now,
                    next_due_at=None,
                )
            )
        recovery = await session.exec(
            update(RecoveryEnrollment)
            .where(col(RecoveryEnrollment.shop_id) == shop_id, _recovery_of(keys, tokens))
            .values(customer_key=None)
        )
        changed += recovery.rowcount or 0
        for key in keys:  # one anonymous key per key, as the mirror does
            win_back = await session.exec(
                update(WinBackEnrollment)
                .where(
                    col(WinBackEnrollment.shop_id) == shop_id,
                    col(WinBackEnrollment.customer_key) == key,
                )
                .values(customer_key=f"redacted:{uuid.uuid4().hex}")
            )
            changed += win_back.rowcount or 0
        for unit in _units(keys, tokens):  # still counted in the experiment, as no one
            assignment = await session.exec(
                update(ExperimentAssignment)
                .where(
                    col(ExperimentAssignment.shop_id) == shop_id,
                    col(ExperimentAssignment.customer_key) == unit,
                )
                .values(customer_key=f"redacted:{uuid.uuid4().hex}")
            )
            changed += assignment.rowcount or 0
        for address in addresses:
            changed += await forget_address(session, shop_id, address)
        return changed


async def _whom(
    session: AsyncSession, shop_id: int, customer: CustomerRef
) -> tuple[list[str], list[str], set[str]]:
    """The customer's keys, their checkouts' tokens, and every address we may have written
    to them at (theirs, and their checkouts'), read from the mirror before it forgets them."""
    keys = await customer_keys(session, shop_id, customer)
    addresses = {customer.email.strip().lower()} if customer.email else set()
    emails = await session.exec(
        select(Customer.email).where(Customer.shop_id == shop_id, col(Customer.key).in_(keys))
    )
    addresses.update(email.strip().lower() for email in emails.all() if email)
    mine = [col(Checkout.customer_key).in_(keys)]
    if addresses:
        mine.append(func.lower(col(Checkout.email)).in_(sorted(addresses)))
    checkouts = await session.exec(
        select(Checkout.token, Checkout.email).where(Checkout.shop_id == shop_id, or_(*mine))
    )
    tokens = []
    for token, email in checkouts.all():
        tokens.append(token)
        if email:
            addresses.add(email.strip().lower())
    return keys, tokens, addresses


def _units(keys: list[str], tokens: list[str]) -> list[str]:
    """Whom an experiment may have placed: the customer's keys, and their checkouts that
    named no one (`app.initiatives.recovery.unit_key`)."""
    return [*keys, *(f"checkout:{token}" for token in tokens)]


def _recovery_of(keys: list[str], tokens: list[str]) -> Any:
    return or_(
        col(RecoveryEnrollment.customer_key).in_(keys),
        col(RecoveryEnrollment.checkout_token).in_(tokens),
    )
