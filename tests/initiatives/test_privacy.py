"""A customer's redaction takes them out of every sequence and leaves no address in what
initiatives and the send log hold; an uninstalled shop sends nothing more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from app.db import utcnow
from app.initiatives import recovery
from app.initiatives.models import EnrollmentStatus, RecoveryEnrollment, WinBackEnrollment
from app.messaging.addresses import address_digest
from app.messaging.models import MarketingSend, SendStatus
from app.shops.models import Shop
from app.shops.service import mark_uninstalled
from tests.fixtures.payloads import payload
from tests.initiatives.helpers import SHOP, Store
from tests.initiatives.test_win_back import LENA, LENA_ID, customer, initiative, rows, run_day
from tests.initiatives.test_win_back import send as send_win_back


async def _due_now(store: Store, model: Any) -> None:
    """Every pending step of `model` is due (its time has come)."""
    async with store.runtime.transaction() as session:
        await session.exec(
            update(model)
            .where(col(model.status) == EnrollmentStatus.ACTIVE)
            .values(next_due_at=utcnow() - timedelta(minutes=1))
        )


async def _redact(store: Store) -> None:
    body = payload("shopify_customer")
    await store.deliver(
        "customers/redact",
        {
            "shop_domain": SHOP,
            "customer": {"id": int(LENA_ID), "email": LENA, "phone": body.get("phone")},
            "orders_to_redact": [],
        },
    )


async def _uninstall(store: Store) -> None:
    async with store.runtime.transaction() as session:
        shop = await session.get(Shop, store.shop_id)
        assert shop is not None
        await mark_uninstalled(session, shop)


async def test_a_redacted_customer_leaves_every_sequence_and_no_address_stays(
    store: Store,
) -> None:
    await store.recovery()
    token = await store.abandon(email=LENA)
    await store.sweep()  # step one of the recovery is sent
    await customer(store, store.shop_id, days=90)
    [win_back_id] = await run_day(store, await initiative(store, store.shop_id))
    assert len(store.inbox.messages) == 1
    [sent] = await rows(store, MarketingSend)
    assert sent.address_digest == address_digest(store.shop_id, LENA)

    await _redact(store)

    [recovering] = await store.enrollments(token)
    [winning_back] = await rows(store, WinBackEnrollment)
    for enrollment in (recovering, winning_back):
        assert enrollment.status is EnrollmentStatus.CANCELLED
        assert enrollment.end_reason == "customer_redacted"
        assert enrollment.next_due_at is None
    assert recovering.customer_key is None
    assert winning_back.customer_key.startswith("redacted:")
    for row in await rows(store, MarketingSend):
        assert row.address_digest is None  # the send log names no one
        assert row.status is SendStatus.SENT  # and still counts what was sent
    for held in [*await rows(store, RecoveryEnrollment), *await rows(store, WinBackEnrollment)]:
        assert LENA not in held.model_dump_json()
        assert LENA_ID not in held.model_dump_json()

    # The steps that were to come never go out.
    await _due_now(store, RecoveryEnrollment)
    await store.sweep()
    await store.send(recovering.id or 0, 2)
    await send_win_back(store, win_back_id)
    assert len(store.inbox.messages) == 1


async def test_uninstalling_cancels_pending_steps_in_the_sweep(store: Store) -> None:
    await store.recovery()
    token = await store.abandon()
    await store.sweep()
    assert len(store.inbox.messages) == 1

    await _uninstall(store)
    await _due_now(store, RecoveryEnrollment)
    await store.sweep()

    assert len(store.inbox.messages) == 1
    [enrollment] = await store.enrollments(token)
    assert (enrollment.status, enrollment.end_reason) == (
        EnrollmentStatus.CANCELLED,
        "shop_not_connected",
    )
    assert enrollment.next_due_at is None


async def test_a_step_job_queued_before_the_uninstall_sends_nothing(store: Store) -> None:
    await store.recovery()
    token = await store.abandon()
    await store.sweep()
    [enrollment] = await store.enrollments(token)
    assert enrollment.id is not None

    await _uninstall(store)
    later = utcnow() + timedelta(days=2)  # step two is due then
    async with store.runtime.transaction() as session:
        await recovery.send_step(store.runtime, session, enrollment.id, 2, later)

    assert len(store.inbox.messages) == 1
    [enrollment] = await store.enrollments(token)
    assert enrollment.status is EnrollmentStatus.CANCELLED


async def test_an_uninstalled_shops_win_back_step_sends_nothing(store: Store) -> None:
    await customer(store, store.shop_id, days=90)
    [enrollment_id] = await run_day(store, await initiative(store, store.shop_id))

    await _uninstall(store)
    await send_win_back(store, enrollment_id)

    assert store.inbox.messages == []
    [enrollment] = await rows(store, WinBackEnrollment)
    assert (enrollment.status, enrollment.end_reason) == (
        EnrollmentStatus.CANCELLED,
        "shop_not_connected",
    )
