"""Win-back end to end: lapsed customers in the mirror, the daily run, one single-use code per
customer created through the store's API (the fake Shopify and WooCommerce of
tests/fixtures/platforms.py, which refuse a code they already hold as the real ones do), a real
SMTP server, real PostgreSQL; reactivation by a real order webhook. Times are taken when each
test runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from app.commerce.models import Customer, Order
from app.db import utcnow
from app.errors import ServiceUnavailable
from app.initiatives import offers, reactivation, service, win_back
from app.initiatives.lapse import FALLBACK_DAYS, MIN_GAPS, lapse_threshold, threshold_from
from app.initiatives.models import (
    EnrollmentStatus,
    Initiative,
    InitiativeStatus,
    WinBackCode,
    WinBackEnrollment,
    WinBackRun,
)
from app.initiatives.schemas import InitiativeIn
from app.initiatives.settings import WinBackSettings
from app.initiatives.tasks import send_win_back_step, sweep_win_back
from app.integrations.base import StoreClient, StoreUnavailable
from app.integrations.events import OrderState
from app.integrations.platforms import Platform
from app.messaging import marketing
from app.messaging.models import MarketingSend, SendStatus
from app.shops.models import Shop
from app.worker.execution import execute
from tests.fixtures.payloads import payload
from tests.initiatives.helpers import SHOP, Store, zone_at
from tests.initiatives.test_recovery import parts
from tests.webhooks.helpers import install

WOO = "https://store.example"
LENA = "lena.hoffmann@example.com"
LENA_ID = "7523148894362"  # the customer of the shopify_order payload


@dataclass
class Target:
    """One shop of the test store, on one platform."""

    store: Store
    shop_id: int
    platform: Platform

    def discounts(self) -> list[dict[str, Any]]:
        """What the store was asked to create (and created)."""
        if self.platform is Platform.SHOPIFY:
            return self.store.connected.shopify.shop(SHOP).discounts
        return self.store.connected.woocommerce.coupons


async def woo_shop(store: Store) -> int:
    shop = await install(store.connected, WOO, Platform.WOOCOMMERCE)
    assert shop.id is not None
    await set_zone(store, shop.id, zone_at(12))
    return shop.id


@pytest.fixture(params=[Platform.SHOPIFY, Platform.WOOCOMMERCE], ids=["shopify", "woocommerce"])
async def target(store: Store, request: pytest.FixtureRequest) -> Target:
    if request.param is Platform.SHOPIFY:
        return Target(store, store.shop_id, Platform.SHOPIFY)
    return Target(store, await woo_shop(store), Platform.WOOCOMMERCE)


async def set_zone(store: Store, shop_id: int, zone: str) -> None:
    async with store.runtime.transaction() as session:
        shop = await session.get(Shop, shop_id)
        assert shop is not None
        shop.timezone = zone


async def customer(
    store: Store,
    shop_id: int,
    *,
    days: int,
    email: str | None = LENA,
    platform_id: str = LENA_ID,
    consent: bool = True,
) -> str:
    """A customer of the mirror whose last counted order was `days` ago; their key."""
    now, key = utcnow(), f"id:{platform_id}"
    async with store.runtime.transaction() as session:
        session.add(
            Customer(
                shop_id=shop_id, key=key, platform_id=platform_id, email=email,
                first_name="Lena", accepts_marketing=consent,
                first_order_at=now - timedelta(days=days + 200),
                last_order_at=now - timedelta(days=days), orders_count=2,
            )
        )  # fmt: skip
    return key


async def initiative(store: Store, shop_id: int, **settings: Any) -> int:
    async with store.runtime.transaction() as session:
        body = InitiativeIn.model_validate(
            {"type": "win_back", "name": "Win back", "settings": settings}
        )
        made = await service.create(session, shop_id, body, "api", utcnow())
        assert made.id is not None
        await service.move(session, shop_id, made.id, InitiativeStatus.ACTIVE, "api", utcnow())
        return made.id


async def run_day(store: Store, initiative_id: int, now: datetime | None = None) -> list[int]:
    """The initiative's daily run now, on its shop's local day; the enrollments it made."""
    now = now or utcnow()
    async with store.runtime.transaction() as session:
        found = await session.get(Initiative, initiative_id)
        assert found is not None
        shop = await session.get(Shop, found.shop_id)
        assert shop is not None
        day = now.astimezone(ZoneInfo(shop.timezone)).date()
        return await win_back.run(session, initiative_id, day, now)


async def send(store: Store, enrollment_id: int, step: int = 1) -> None:
    async with store.runtime.transaction() as session:
        await win_back.send_step(store.runtime, session, enrollment_id, step, utcnow())


async def lapsed_and_enrolled(target: Target, **settings: Any) -> int:
    """Lena, lapsed 90 days, enrolled by an active win-back initiative's run; the enrollment."""
    await customer(target.store, target.shop_id, days=90)
    initiative_id = await initiative(target.store, target.shop_id, **settings)
    [enrollment_id] = await run_day(target.store, initiative_id)
    return enrollment_id


async def rows(store: Store, model: Any) -> list[Any]:
    async with store.runtime.transaction() as session:
        return list((await session.exec(select(model).order_by(col(model.id)))).all())


# --- The lapse threshold --------------------------------------------------------------------


def test_threshold_rule_falls_back_to_sixty_days_without_enough_history() -> None:
    settings = WinBackSettings()
    assert threshold_from(settings, MIN_GAPS - 1, 30.0).days == FALLBACK_DAYS == 60
    assert not threshold_from(settings, MIN_GAPS - 1, 30.0).derived
    assert threshold_from(settings, MIN_GAPS, 29.2).days == 30
    assert threshold_from(settings, MIN_GAPS, 2.0).days == 14  # kept within bounds
    assert threshold_from(WinBackSettings(lapse_days=45), 500, 29.2).days == 45


async def test_lapse_threshold_is_the_shops_80th_percentile_between_orders(store: Store) -> None:
    now = utcnow()
    other = await woo_shop(store)

    async def orders(shop_id: int, customers: int) -> None:
        # Customer n ordered twice, 10 + n days apart (gaps 10, 11, … days).
        async with store.runtime.transaction() as session:
            for n in range(customers):
                for placed in (now - timedelta(days=100), now - timedelta(days=90 - n)):
                    session.add(
                        Order(
                            shop_id=shop_id, platform_id=uuid.uuid4().hex[:20], name="#1",
                            placed_at=placed, platform_updated_at=placed, state=OrderState.OPEN,
                            currency="EUR", gross=Decimal(10), discounts=Decimal(0),
                            shipping=Decimal(0), tax=Decimal(0), total=Decimal(10),
                            current_total=Decimal(10), customer_key=f"id:{n}",
                        )
                    )  # fmt: skip

    await orders(store.shop_id, 25)  # gaps 10…34 days: the 80th percentile is 29.2 days
    await orders(other, MIN_GAPS - 1)  # too little history in the other shop

    async with store.runtime.transaction() as session:
        mine = await lapse_threshold(session, store.shop_id, WinBackSettings(), now)
        theirs = await lapse_threshold(session, other, WinBackSettings(), now)
    assert (mine.days, mine.derived, mine.gaps) == (30, True, 25)
    assert (theirs.days, theirs.derived, theirs.gaps) == (60, False, MIN_GAPS - 1)


async def test_settings_are_checked_with_a_sentence_per_field(store: Store) -> None:
    bad = {"discount_value": 150, "steps": 3}
    answer = await store.api("POST", "", 422, type="win_back", name="Win back", settings=bad)
    assert "settings" in str(answer)
    late = {"steps": 2, "code_expiry_days": 2, "reminder_after_hours": 48}
    await store.api("POST", "", 422, type="win_back", name="Win back", settings=late)
    made = await store.api("POST", "", 201, type="win_back", name="Win back", settings={})
    assert made["settings"]["cooldown_days"] == 90
    assert made["settings"]["code_expiry_days"] == 3
    assert made["settings"]["discount_kind"] == "percentage"


# --- One code per customer ------------------------------------------------------------------


async def test_one_code_per_customer_through_the_store_also_when_run_again(target: Target) -> None:
    store = target.store
    await customer(store, target.shop_id, days=90)
    initiative_id = await initiative(store, target.shop_id)

    [enrollment_id] = await run_day(store, initiative_id)
    await send(store, enrollment_id)
    assert await run_day(store, initiative_id) == []  # the day's run happened
    await send(store, enrollment_id)  # the step's job, run twice

    [code] = await rows(store, WinBackCode)
    [made] = target.discounts()
    assert made["code"] == code.code
    assert code.confirmed_at is not None
    assert code.platform_id is not None
    if target.platform is Platform.SHOPIFY:
        assert made["context"] == {"customers": {"add": [f"gid://shopify/Customer/{LENA_ID}"]}}
        assert made["usageLimit"] == 1
        assert made["customerGets"]["value"] == {"percentage": 0.1}
    else:
        assert made["email_restrictions"] == [LENA]
        assert made["usage_limit"] == 1
        assert made["discount_type"] == "percent"
    [message] = store.inbox.messages
    assert message["To"] == LENA
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for body in parts(message):
        assert code.code in body
    [enrollment] = await rows(store, WinBackEnrollment)
    assert enrollment.status is EnrollmentStatus.FINISHED  # one step by default


async def test_store_created_the_code_but_the_job_failed_before_recording_it(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = target.store
    enrollment_id = await lapsed_and_enrolled(target)
    real = offers.client_for  # type: ignore[attr-defined]

    class LostAnswer:
        """The store creates the code; the job dies before it hears so."""

        def __init__(self, client: StoreClient) -> None:
            self.client = client

        async def create_discount_code(self, request: Any) -> Any:
            await self.client.create_discount_code(request)
            raise RuntimeError("worker died")

    monkeypatch.setattr(offers, "client_for", lambda *args: LostAnswer(real(*args)))
    with pytest.raises(RuntimeError):
        await send(store, enrollment_id)
    monkeypatch.setattr(offers, "client_for", real)
    [code] = await rows(store, WinBackCode)
    assert code.confirmed_at is None  # written before the store call, not confirmed
    [send_row] = await rows(store, MarketingSend)
    assert send_row.status is SendStatus.FAILED  # released: the retry may send
    assert store.inbox.messages == []

    await send(store, enrollment_id)  # the retry: the store refuses the code as taken
    await send(store, enrollment_id)

    [made] = target.discounts()
    [code] = await rows(store, WinBackCode)
    assert made["code"] == code.code
    assert code.confirmed_at is not None
    assert code.platform_id is None
    [message] = store.inbox.messages
    assert code.code in parts(message)[0]


async def test_a_failed_smtp_send_retries_with_the_same_code(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = target.store
    enrollment_id = await lapsed_and_enrolled(target)
    real = marketing.send_email  # type: ignore[attr-defined]

    async def down(*args: Any) -> None:
        raise ServiceUnavailable("the SMTP server did not take the email: down")

    monkeypatch.setattr(marketing, "send_email", down)
    with pytest.raises(ServiceUnavailable):
        await send(store, enrollment_id)
    monkeypatch.setattr(marketing, "send_email", real)

    await send(store, enrollment_id)

    assert len(target.discounts()) == 1
    [message] = store.inbox.messages
    [code] = await rows(store, WinBackCode)
    assert code.code in parts(message)[0]


async def test_the_email_shows_the_code_and_its_expiry_in_the_shops_zone_and_language(
    store: Store,
) -> None:
    await customer(store, store.shop_id, days=90)
    initiative_id = await initiative(store, store.shop_id, language="de", code_expiry_days=4)
    [enrollment_id] = await run_day(store, initiative_id)

    await send(store, enrollment_id)

    [message] = store.inbox.messages
    [code] = await rows(store, WinBackCode)
    zone = ZoneInfo(zone_at(12))
    local = code.expires_at.astimezone(zone)
    months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
              "September", "Oktober", "November", "Dezember"]  # fmt: skip
    text, html = parts(message)
    for body in (text, html):
        assert "Hallo Lena" in body
        assert "10\xa0% Rabatt" in body  # a no-break space, as German writes it
        assert f"{local.day}. {months[local.month - 1]} {local.year}, {local:%H:%M}" in body
        assert code.code in body
    assert abs(code.expires_at - utcnow() - timedelta(days=4)) < timedelta(minutes=5)
    assert "Rabatt" in str(message["Subject"])


async def test_a_reminder_carries_the_same_code(store: Store) -> None:
    await customer(store, store.shop_id, days=90)
    initiative_id = await initiative(store, store.shop_id, steps=2, reminder_after_hours=48)
    [enrollment_id] = await run_day(store, initiative_id)
    await send(store, enrollment_id)
    # The reminder's time has come (and the shared cap's 24 hours have passed).
    async with store.runtime.transaction() as session:
        enrollment = await session.get(WinBackEnrollment, enrollment_id)
        assert enrollment is not None
        assert enrollment.next_step == 2
        enrollment.next_due_at = utcnow()
        for row in (await session.exec(select(MarketingSend))).all():
            row.sent_at = utcnow() - timedelta(hours=30)
            session.add(row)
        session.add(enrollment)

    await send(store, enrollment_id, 2)

    first, reminder = store.inbox.messages
    [code] = await rows(store, WinBackCode)
    assert code.code in parts(first)[0]
    assert code.code in parts(reminder)[0]
    assert len(store.connected.shopify.shop(SHOP).discounts) == 1


# --- Who gets nothing -----------------------------------------------------------------------


async def test_a_customer_within_the_cooldown_or_not_lapsed_gets_nothing(store: Store) -> None:
    lapsed = await customer(store, store.shop_id, days=90)
    await customer(store, store.shop_id, days=10, platform_id="2", email="recent@example.com")
    await customer(store, store.shop_id, days=900, platform_id="3", email="gone@example.com")
    await customer(store, store.shop_id, days=90, platform_id="4", email=None)
    contacted = await customer(
        store, store.shop_id, days=80, platform_id="5", email="contacted@example.com"
    )
    initiative_id = await initiative(store, store.shop_id)
    async with store.runtime.transaction() as session:  # written to 30 days ago, an older lapse
        session.add(
            WinBackEnrollment(
                shop_id=store.shop_id, initiative_id=initiative_id, customer_key=contacted,
                lapsed_since=utcnow() - timedelta(days=200), threshold_days=60,
                status=EnrollmentStatus.FINISHED, first_message_at=utcnow() - timedelta(days=30),
                last_message_at=utcnow() - timedelta(days=30),
            )
        )  # fmt: skip

    enrolled = await run_day(store, initiative_id)
    for enrollment_id in enrolled:
        await send(store, enrollment_id)

    assert [e.customer_key for e in await rows(store, WinBackEnrollment) if e.id in enrolled] == [
        lapsed
    ]
    [message] = store.inbox.messages
    assert message["To"] == LENA


async def test_a_customer_without_consent_gets_no_code(store: Store) -> None:
    await customer(store, store.shop_id, days=90, consent=False)
    initiative_id = await initiative(store, store.shop_id)
    [enrollment_id] = await run_day(store, initiative_id)

    await send(store, enrollment_id)

    assert store.inbox.messages == []
    assert store.connected.shopify.shop(SHOP).discounts == []
    [enrollment] = await rows(store, WinBackEnrollment)
    assert (enrollment.status, enrollment.end_reason) == (EnrollmentStatus.STOPPED, "consent")


async def test_another_shops_customers_are_never_touched(store: Store) -> None:
    other = await woo_shop(store)
    await customer(store, other, days=90)
    await customer(store, store.shop_id, days=90, platform_id="42", email="mine@example.com")
    initiative_id = await initiative(store, store.shop_id)

    enrolled = await run_day(store, initiative_id)
    for enrollment_id in enrolled:
        await send(store, enrollment_id)

    [enrollment] = await rows(store, WinBackEnrollment)
    assert (enrollment.shop_id, enrollment.customer_key) == (store.shop_id, "id:42")
    assert store.connected.woocommerce.coupons == []
    [message] = store.inbox.messages
    assert message["To"] == "mine@example.com"
    # The other shop's order carrying our code's string redeems nothing here.
    [code] = await rows(store, WinBackCode)
    async with store.runtime.transaction() as session:
        await reactivation.reactivate(session, other, None, "77", utcnow(), (code.code,))
    [code] = await rows(store, WinBackCode)
    assert code.redeemed_at is None


# --- Reactivation ---------------------------------------------------------------------------


async def test_the_next_order_reactivates_and_records_the_redemption(store: Store) -> None:
    await customer(store, store.shop_id, days=90)
    initiative_id = await initiative(store, store.shop_id)
    [enrollment_id] = await run_day(store, initiative_id)
    await send(store, enrollment_id)
    [code] = await rows(store, WinBackCode)

    body = payload("shopify_order")
    placed = (utcnow() + timedelta(seconds=1)).replace(microsecond=0).isoformat()
    body.update(
        id=6183041875099, created_at=placed, updated_at=placed, processed_at=placed,
        discount_codes=[{"code": code.code.lower(), "amount": "16.88", "type": "percentage"}],
    )  # fmt: skip
    await store.deliver("orders/create", body)

    [enrollment] = await rows(store, WinBackEnrollment)
    assert enrollment.status is EnrollmentStatus.CONVERTED
    assert enrollment.reactivated_by_order == "6183041875099"
    [code] = await rows(store, WinBackCode)
    assert code.redeemed_by_order == "6183041875099"
    assert code.redeemed_at is not None


async def test_an_order_the_subscriber_missed_is_caught_up_by_the_next_run(store: Store) -> None:
    key = await customer(store, store.shop_id, days=90)
    initiative_id = await initiative(store, store.shop_id)
    [enrollment_id] = await run_day(store, initiative_id)
    await send(store, enrollment_id)
    placed = utcnow() + timedelta(seconds=1)
    async with store.runtime.transaction() as session:  # an order seen by no subscriber
        session.add(
            Order(
                shop_id=store.shop_id, platform_id="990001", name="#990001", placed_at=placed,
                platform_updated_at=placed, state=OrderState.OPEN, currency="EUR",
                gross=Decimal(50), discounts=Decimal(0), shipping=Decimal(0), tax=Decimal(0),
                total=Decimal(50), current_total=Decimal(50), customer_key=key,
            )
        )  # fmt: skip
        found = (await session.exec(select(Customer).where(Customer.key == key))).one()
        found.last_order_at = placed
        session.add(found)

    await run_day(store, initiative_id, utcnow() + timedelta(days=1, seconds=2))

    [enrollment] = await rows(store, WinBackEnrollment)
    assert (enrollment.status, enrollment.reactivated_by_order) == (
        EnrollmentStatus.CONVERTED,
        "990001",
    )


# --- The hourly sweep -----------------------------------------------------------------------


async def test_the_hourly_sweep_runs_each_initiative_once_per_local_day(store: Store) -> None:
    await customer(store, store.shop_id, days=90)
    await initiative(store, store.shop_id, send_hour=12)  # the shop's clock reads midday
    await initiative(store, store.shop_id, send_hour=3)  # not its hour

    await store.run(sweep_win_back)
    await store.run(sweep_win_back)

    [run] = await rows(store, WinBackRun)
    assert run.enrolled == 1
    assert run.threshold_days == 60
    assert not run.threshold_derived
    [message] = store.inbox.messages
    assert message["To"] == LENA
    assert len(store.connected.shopify.shop(SHOP).discounts) == 1


async def test_pausing_cancels_a_pending_first_email(store: Store) -> None:
    await customer(store, store.shop_id, days=90)
    initiative_id = await initiative(store, store.shop_id)
    [enrollment_id] = await run_day(store, initiative_id)
    async with store.runtime.transaction() as session:
        await service.move(
            session, store.shop_id, initiative_id, InitiativeStatus.PAUSED, "api", utcnow()
        )

    await send(store, enrollment_id)

    assert store.inbox.messages == []
    assert store.connected.shopify.shop(SHOP).discounts == []
    [enrollment] = await rows(store, WinBackEnrollment)
    assert enrollment.status is EnrollmentStatus.CANCELLED


async def test_a_store_that_never_creates_the_code_stops_the_enrollment_after_the_last_try(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = Target(store, store.shop_id, Platform.SHOPIFY)
    enrollment_id = await lapsed_and_enrolled(target)

    class Down:
        async def create_discount_code(self, request: Any) -> Any:
            raise StoreUnavailable("Shopify did not answer")

    monkeypatch.setattr(offers, "client_for", lambda *args: Down())
    tries = store.runtime.settings.job_max_tries
    for attempt in range(1, tries + 1):
        with pytest.raises(StoreUnavailable):
            await execute(
                store.runtime,
                send_win_back_step,
                (enrollment_id, 1),
                {},
                attempt=attempt,
                job_id=None,
            )

    assert store.inbox.messages == []
    [enrollment] = await rows(store, WinBackEnrollment)
    assert (enrollment.status, enrollment.end_reason) == (EnrollmentStatus.STOPPED, "not_prepared")
    [send_row] = await rows(store, MarketingSend)
    assert (send_row.status, send_row.reason) == (SendStatus.FAILED, "not_prepared")
