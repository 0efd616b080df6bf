"""The marketing family on real PostgreSQL: message metrics counted from the send log by
shop-local day (a digest unsubscribe is none of them), the initiatives' outcomes recorded once
in the transaction that decides them, another shop's rows never counted, the rebuild check, the
catalogue on the API, and a key result on `reactivated_customers` that moves live after an
order webhook."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Checkout, Order
from app.db import utcnow
from app.initiatives import reactivation, recovery
from app.initiatives.models import (
    EnrollmentStatus,
    Initiative,
    InitiativeStatus,
    InitiativeType,
    RecoveryEnrollment,
    WinBackCode,
    WinBackEnrollment,
)
from app.integrations.events import OrderState
from app.live.messages import shop_channel
from app.messaging.models import MailingList, MarketingSend, MarketingUnsubscribe, SendStatus
from app.metrics import marketing, rebuild, service
from app.metrics.catalogue import BY_KEY
from app.metrics.figures import local_day
from app.metrics.models import OutcomeDay
from app.metrics.periods import Granularity
from app.runtime import Runtime
from tests.fixtures.objects import create_shop
from tests.fixtures.stores import Connected
from tests.okr.test_api import Api, objective, post_order_today
from tests.webhooks.helpers import install

NEW_YORK = "America/New_York"  # daylight saving time began on 2026-03-08 (a 23-hour day)
MARKETING = [
    "emails_sent", "email_opens", "email_clicks", "unsubscribes",
    "initiative_recovered_checkouts", "initiative_recovered_revenue", "reactivated_customers",
    "coupon_redemptions",
]  # fmt: skip


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def value(session: AsyncSession, shop_id: int, key: str, start: date, end: date) -> Any:
    result = await service.evaluate(session, shop_id, key, start, end, Granularity.DAY)
    return result.value, {day: v for day, v in result.series if v}


def send(shop_id: int, n: int, **fields: Any) -> MarketingSend:
    values: dict[str, Any] = {
        "shop_id": shop_id, "initiative_id": 1, "subject": f"checkout:{n}", "step": 1,
        "address_digest": f"{n:064d}", "status": SendStatus.SENT,
    }  # fmt: skip
    return MarketingSend(**{**values, **fields})


async def test_message_metrics_count_the_send_log_by_shop_local_day(session: AsyncSession) -> None:
    shop = await create_shop(session, timezone=NEW_YORK)
    other = await create_shop(session, timezone=NEW_YORK)
    assert shop.id is not None
    assert other.id is not None
    session.add_all([
        # 03:30 UTC on the 10th is 23:30 on the 9th in New York (UTC−4 since the 8th).
        send(shop.id, 1, sent_at=utc("2026-03-10 03:30"), opened_at=utc("2026-03-10 04:30"),
             clicked_at=utc("2026-03-11 12:00")),
        send(shop.id, 2, sent_at=utc("2026-03-08 04:59")),  # 23:59 on the 7th (UTC−5 then)
        send(shop.id, 3, sent_at=utc("2026-03-08 05:00"), opened_at=utc("2026-03-08 06:00")),
        send(shop.id, 4, sent_at=utc("2026-03-09 12:00"), status=SendStatus.FAILED),
        send(shop.id, 5, sent_at=utc("2026-03-09 12:00"), status=SendStatus.SENDING),
        send(shop.id, 6, status=SendStatus.SKIPPED, reason="cap"),
        send(shop.id, 7, sent_at=utc("2026-03-12 05:00")),  # after the range
        send(other.id, 8, sent_at=utc("2026-03-09 12:00"), opened_at=utc("2026-03-09 13:00"),
             clicked_at=utc("2026-03-09 13:01")),
        MarketingUnsubscribe(shop_id=shop.id, address_digest="a" * 64,
                             created_at=utc("2026-03-09 03:59")),  # 23:59 on the 8th
        MarketingUnsubscribe(shop_id=shop.id, address_digest="b" * 64,
                             created_at=utc("2026-03-09 04:00")),
        MarketingUnsubscribe(shop_id=other.id, address_digest="c" * 64,
                             created_at=utc("2026-03-09 12:00")),
        # A stakeholder leaving the weekly digest is no customer leaving the marketing.
        MarketingUnsubscribe(shop_id=shop.id, address_digest="d" * 64,
                             mailing_list=MailingList.DIGEST, created_at=utc("2026-03-09 12:00")),
    ])  # fmt: skip
    await session.flush()

    first, last = date(2026, 3, 8), date(2026, 3, 11)
    assert await value(session, shop.id, "emails_sent", first, last) == (
        Decimal(2),
        {date(2026, 3, 8): 1, date(2026, 3, 9): 1},
    )
    assert await value(session, shop.id, "email_opens", first, last) == (
        Decimal(2),
        {date(2026, 3, 8): 1, date(2026, 3, 10): 1},
    )
    assert await value(session, shop.id, "email_clicks", first, last) == (
        Decimal(1),
        {date(2026, 3, 11): 1},
    )
    assert await value(session, shop.id, "unsubscribes", first, last) == (
        Decimal(2),
        {date(2026, 3, 8): 1, date(2026, 3, 9): 1},
    )
    # The day before the range starts at its own local midnight (UTC−5 on the 7th).
    seventh = date(2026, 3, 7)
    assert (await value(session, shop.id, "emails_sent", seventh, seventh))[0] == Decimal(1)
    weekly = await service.evaluate(
        session, shop.id, "emails_sent", date(2026, 3, 1), date(2026, 3, 31), Granularity.WEEK
    )
    assert weekly.value == Decimal(4)
    assert [v for _, v in weekly.series] == [0, 2, 2, 0, 0, 0]  # weeks from Mon 23 Feb
    assert (await value(session, other.id, "emails_sent", first, last))[0] == Decimal(1)
    assert (await value(session, other.id, "unsubscribes", first, last))[0] == Decimal(1)


async def test_message_days_are_the_same_on_both_databases(any_engine: AsyncEngine) -> None:
    """SQLite (the embedded demo) has no time zones: its rows are dated in Python alike."""
    async with AsyncSession(any_engine, expire_on_commit=False) as session:
        shop = await create_shop(session, timezone=NEW_YORK)
        assert shop.id is not None
        session.add_all([
            send(shop.id, 1, sent_at=utc("2026-03-10 03:30"), opened_at=utc("2026-03-10 04:30")),
            send(shop.id, 2, sent_at=utc("2026-03-10 04:00")),  # midnight: the 10th
        ])  # fmt: skip
        await session.commit()
        ninth, tenth = date(2026, 3, 9), date(2026, 3, 10)
        assert await value(session, shop.id, "emails_sent", ninth, tenth) == (
            Decimal(2), {ninth: 1, tenth: 1}
        )  # fmt: skip
        assert await value(session, shop.id, "email_opens", ninth, tenth) == (
            Decimal(1), {tenth: 1}  # 00:30 local
        )  # fmt: skip
        assert (await value(session, shop.id, "initiative_recovered_revenue", ninth, tenth))[
            0
        ] == Decimal("0.00")


# --- Outcomes -------------------------------------------------------------------------------


async def initiative(session: AsyncSession, shop_id: int, kind: InitiativeType) -> int:
    made = Initiative(
        shop_id=shop_id, type=kind, name=kind.value, status=InitiativeStatus.ACTIVE,
        activated_at=utc("2026-01-01 00:00"),
    )  # fmt: skip
    session.add(made)
    await session.flush()
    assert made.id is not None
    return made.id


def order(shop_id: int, platform_id: str, placed: datetime, **fields: Any) -> Order:
    values: dict[str, Any] = {
        "shop_id": shop_id, "platform_id": platform_id, "name": f"#{platform_id}",
        "placed_at": placed, "platform_updated_at": placed, "state": OrderState.OPEN,
        "currency": "EUR", "gross": Decimal("100.00"), "discounts": Decimal("10.00"),
        "shipping": Decimal(0), "tax": Decimal(0), "total": Decimal("90.00"),
        "current_total": Decimal("90.00"), "customer_key": "id:1",
    }  # fmt: skip
    return Order(**{**values, **fields})


def checkout(shop_id: int, token: str, abandoned: datetime, **fields: Any) -> Checkout:
    values: dict[str, Any] = {
        "shop_id": shop_id, "token": token, "started_at": abandoned - timedelta(hours=1),
        "platform_updated_at": abandoned, "abandoned_at": abandoned, "customer_key": "id:1",
        "email": "ana@example.com", "contact_given_at": abandoned - timedelta(hours=1),
    }  # fmt: skip
    return Checkout(**{**values, **fields})


def enrollment(
    shop_id: int, initiative_id: int, token: str, abandoned: datetime, **fields: Any
) -> RecoveryEnrollment:
    values: dict[str, Any] = {
        "shop_id": shop_id, "initiative_id": initiative_id, "checkout_token": token,
        "customer_key": "id:1", "abandoned_at": abandoned, "next_due_at": None,
        "last_message_at": abandoned + timedelta(hours=1),
    }  # fmt: skip
    return RecoveryEnrollment(**{**values, **fields})


async def recoveries(session: AsyncSession, shop_id: int) -> None:
    """Four abandoned checkouts of one customer in New York on 9 March 2026 (local): two
    recovered for the initiative by one order placed at 23:30 local, one converted with no
    message of ours before it (not the initiative's doing), one completed by a test order."""
    recovering = await initiative(session, shop_id, InitiativeType.ABANDONED_CHECKOUT)
    abandoned, placed = utc("2026-03-09 14:00"), utc("2026-03-10 03:30")  # the 9th, local
    session.add_all([
        checkout(shop_id, "t1", abandoned, completed_by_order="o1", order_value=Decimal(90)),
        checkout(shop_id, "t2", abandoned),
        checkout(shop_id, "t3", abandoned, customer_key="id:2"),
        checkout(shop_id, "t4", abandoned, customer_key="id:3", completed_by_order="test-order"),
        order(shop_id, "o1", placed, checkout_token="t1"),
        order(shop_id, "o3", placed, customer_key="id:2"),
        order(shop_id, "test-order", placed, customer_key="id:3", test=True, checkout_token="t4"),
        enrollment(shop_id, recovering, "t1", abandoned),
        enrollment(shop_id, recovering, "t2", abandoned),
        enrollment(shop_id, recovering, "t3", abandoned, customer_key="id:2", last_message_at=None),
        enrollment(shop_id, recovering, "t4", abandoned, customer_key="id:3"),
    ])  # fmt: skip
    await session.flush()
    # The checkout completes, then the order's subscriber runs; a retry changes nothing.
    assert await recovery.convert(session, shop_id, placed, token="t1", order=None) == 1
    for _ in range(2):
        await recovery.convert(session, shop_id, placed, customer_key="id:1", order="o1")
    assert await recovery.convert(session, shop_id, placed, customer_key="id:2", order="o3") == 1
    assert await recovery.convert(session, shop_id, placed, token="t4", order=None) == 1


async def win_back(session: AsyncSession, shop_id: int) -> None:
    """A lapsed customer written to on 1 March comes back on 10 March (local) with our code,
    typed in lower case; the subscriber runs twice."""
    winning = await initiative(session, shop_id, InitiativeType.WIN_BACK)
    lapsed = WinBackEnrollment(
        shop_id=shop_id, initiative_id=winning, customer_key="id:9",
        lapsed_since=utc("2025-12-01 12:00"), threshold_days=60,
        status=EnrollmentStatus.FINISHED, first_message_at=utc("2026-03-01 15:00"),
    )  # fmt: skip
    session.add(lapsed)
    await session.flush()
    assert lapsed.id is not None
    session.add(
        WinBackCode(
            shop_id=shop_id, enrollment_id=lapsed.id, code="BACK-7Q2X", kind="percentage",
            value=Decimal(10), expires_at=utc("2026-03-04 15:00"),
        )
    )  # fmt: skip
    placed = utc("2026-03-10 16:00")
    session.add(order(shop_id, "o9", placed, customer_key="id:9"))
    await session.flush()
    for _ in range(2):
        await reactivation.reactivate(session, shop_id, "id:9", "o9", placed, ("back-7q2x",))


async def test_outcomes_count_once_on_the_orders_shop_local_day(session: AsyncSession) -> None:
    shop = await create_shop(session, timezone=NEW_YORK)
    other = await create_shop(session, timezone="Europe/Berlin")
    assert shop.id is not None
    assert other.id is not None
    await recoveries(session, shop.id)
    await win_back(session, shop.id)
    await recoveries(session, other.id)

    first, last = date(2026, 3, 1), date(2026, 3, 31)
    ninth, tenth = date(2026, 3, 9), date(2026, 3, 10)
    # t1 and t2, recovered by one order: two checkouts, one order's gross − discounts.
    assert await value(session, shop.id, "initiative_recovered_checkouts", first, last) == (
        Decimal(2),
        {ninth: 2},
    )
    assert await value(session, shop.id, "initiative_recovered_revenue", first, last) == (
        Decimal("90.00"),
        {ninth: Decimal("90.00")},
    )
    assert await value(session, shop.id, "reactivated_customers", first, last) == (
        Decimal(1),
        {tenth: 1},
    )
    assert await value(session, shop.id, "coupon_redemptions", first, last) == (
        Decimal(1),
        {tenth: 1},
    )
    # In Berlin the same moment (03:30 UTC) is already the 10th; neither shop sees the other.
    assert await value(session, other.id, "initiative_recovered_checkouts", first, last) == (
        Decimal(2),
        {tenth: 2},
    )
    assert (await value(session, other.id, "reactivated_customers", first, last))[0] == 0
    assert (await value(session, shop.id, "initiative_recovered_checkouts", tenth, last))[0] == 0

    # The rollup agrees with the outcome rows; emptied, the check says so and a rebuild repairs.
    def outcome_lines(lines: list[str]) -> list[str]:
        return [line for line in lines if line.startswith("initiative outcomes")]

    assert outcome_lines(await rebuild.differences(session, shop.id)) == []
    await session.exec(delete(OutcomeDay).where(OutcomeDay.shop_id == shop.id))  # type: ignore[arg-type]
    assert outcome_lines(await rebuild.differences(session, shop.id)) == [
        "initiative outcomes 2026-03-09: rollups hold nothing; the mirror says "
        "recovered_checkouts=2, recovered_revenue=90",
        "initiative outcomes 2026-03-10: rollups hold nothing; the mirror says "
        "reactivated=1, redemptions=1",
    ]
    await rebuild.rebuild(session, shop.id)
    assert outcome_lines(await rebuild.differences(session, shop.id)) == []
    assert (await value(session, shop.id, "initiative_recovered_revenue", first, last))[0] == (
        Decimal("90.00")
    )


# --- The API and a live key result ----------------------------------------------------------

SHOP = "okr.myshopify.com"  # tests.okr.test_api's shop and its API client


async def test_the_api_lists_the_marketing_metrics_with_definitions(connected: Connected) -> None:
    await install(connected, SHOP)
    listed = {m["key"]: m for m in await Api(connected).get("/metrics")}
    for key in MARKETING:
        assert listed[key]["definition"] == BY_KEY[key].definition
        assert BY_KEY[key].aggregation == "sum"
    assert listed["initiative_recovered_revenue"]["unit"] == "money"
    assert listed["unsubscribes"]["better"] == "lower"
    today = utcnow().date().isoformat()
    answer = await Api(connected).get(f"/metrics/coupon_redemptions?from={today}&to={today}")
    assert (answer["value"], answer["unit"]) == ("0", "count")


async def test_a_reactivation_moves_its_key_result_live_after_commit(
    connected: Connected,
) -> None:
    client = Api(connected)
    shop = await install(connected, SHOP)
    assert shop.id is not None
    runtime: Runtime = connected.app.state.runtime
    cycle = await client.post("/cycles", year=utcnow().year)
    goal = await objective(client, cycle["id"], title="Win customers back")
    kr = await client.post(
        "/key-results", objective_id=goal["id"], title="Fifty customers back",
        source="metric", metric_key="reactivated_customers", kr_type="increase_to",
        start_value="0", target="50",
    )  # fmt: skip
    assert (kr["status"]["value"], kr["status"]["score"]) == ("0", 0)
    assert kr["status"]["pace"] is not None

    # Lena (the shopify_order payload's customer) lapsed and was written to an hour ago.
    async with runtime.transaction() as session:
        winning = await initiative(session, shop.id, InitiativeType.WIN_BACK)
        session.add(
            WinBackEnrollment(
                shop_id=shop.id, initiative_id=winning, customer_key="id:7523148894362",
                lapsed_since=utcnow() - timedelta(days=200), threshold_days=60,
                first_message_at=utcnow() - timedelta(hours=1),
            )
        )  # fmt: skip

    async with runtime.broadcaster.subscribe(shop_channel(shop.id)) as live:
        # Recorded in an open transaction: nothing is announced before it commits.
        async with runtime.transaction() as session:
            await marketing.record_reactivation(
                session, shop.id, winning, f"elsewhere-{uuid.uuid4().hex[:8]}", utcnow()
            )
            assert await live.next(0.05) is None
        heard = await live.next(1)
        assert heard is not None
        today = local_day(utcnow(), shop.timezone).isoformat()
        assert json.loads(heard) == {
            "kind": "metrics",
            "data": {"family": "marketing", "days": [today]},
        }
        # The order webhook: OrderPlaced → reactivation, counted in its transaction.
        await post_order_today(connected)
        heard_days = []
        while (message := await live.next(0.2)) is not None:
            heard_days.append(json.loads(message)["data"].get("family"))
        assert "marketing" in heard_days

    moved = await client.get(f"/key-results/{kr['id']}")
    assert moved["status"]["value"] == "2"
    assert moved["status"]["score"] > 0
    assert moved["status"]["pace"] is not None
    dates = {"from": moved["status"]["from"], "to": moved["status"]["to"]}
    metric = await connected.client.get(
        "/api/v1/metrics/reactivated_customers", params=dates, headers=client.auth
    )
    assert metric.json()["value"] == "2"
