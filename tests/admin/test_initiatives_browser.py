"""Acceptance (#17, 5) in a real browser: an initiative made in the admin and switched on is
active through the API; switched off, it is paused and its pending e-mails are cancelled."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Browser, expect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_engine, utcnow
from app.initiatives.models import EnrollmentStatus, RecoveryEnrollment
from tests.admin.browser import signed_in_shop, unlabelled_controls, with_net_sales_key_result
from tests.fixtures.stores import connection_settings

SHOP = "initiatives-browser.myshopify.com"


async def in_database(enrollment: RecoveryEnrollment | None = None) -> list[RecoveryEnrollment]:
    """Add `enrollment`, then every enrollment as stored."""
    engine = create_engine(connection_settings())
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            if enrollment is not None:
                session.add(enrollment)
                await session.flush()
            return list((await session.exec(select(RecoveryEnrollment))).all())
    finally:
        await engine.dispose()


async def test_an_initiative_switched_on_in_the_admin_is_active_and_off_cancels_its_steps(
    server: str, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(await signed_in_shop(server, SHOP, with_net_sales_key_result))
    await page.get_by_role("link", name="Initiatives").click()
    form = page.locator("form[action='/admin/initiatives']")
    await form.get_by_label("Name").fill("Recover carts")
    await form.get_by_label("Net sales", exact=False).check()
    await expect(form.get_by_label("First e-mail (hours)")).to_have_value("1")
    await form.get_by_role("button", name="Create initiative").click()
    await expect(page.get_by_role("heading", name="Recover carts")).to_be_visible()
    await expect(page.get_by_test_id("shopify-note")).to_be_visible()
    assert await unlabelled_controls(page) == []
    initiative = page.url.split("/admin/initiatives/")[1].split("?")[0]
    switch = page.get_by_role("switch", name="Run “Recover carts”")
    await expect(switch).to_have_attribute("aria-checked", "false")

    await switch.click()

    await expect(switch).to_have_attribute("aria-checked", "true")
    await expect(page.get_by_test_id("initiative-status")).to_have_text("Active")
    answer = await page.request.get(f"{server}/api/v1/initiatives/{initiative}")
    held = await answer.json()
    assert held["status"] == "active"
    assert len(held["key_result_ids"]) == 1
    # A checkout abandoned meanwhile waits for its first e-mail.
    shop = await (await page.request.get(f"{server}/api/v1/shop")).json()
    now = utcnow()
    [pending] = await in_database(
        RecoveryEnrollment(
            shop_id=shop["id"],
            initiative_id=int(initiative),
            checkout_token="abandoned-1",
            abandoned_at=now - timedelta(minutes=10),
            next_due_at=now + timedelta(minutes=50),
        )
    )
    assert pending.status is EnrollmentStatus.ACTIVE

    await switch.click()

    await expect(switch).to_have_attribute("aria-checked", "false")
    await expect(page.get_by_test_id("initiative-status")).to_have_text("Paused")
    answer = await page.request.get(f"{server}/api/v1/initiatives/{initiative}")
    assert (await answer.json())["status"] == "paused"
    [cancelled] = await in_database()
    assert cancelled.status is EnrollmentStatus.CANCELLED
    assert cancelled.next_due_at is None
