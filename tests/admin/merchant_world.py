"""A shop with something on every admin page, as the demo has it: this year's revenue and
loyalty objectives (metric key results and a manual one with a check-in, whose status dropped
this week), the demo's three initiatives (recovery, win-back, survey), a share link, failed
webhooks whose stored errors hold SQL, a customer's e-mail address and exception names, and a
failed backfill and reconciliation. Used to render every page (tests/admin/
test_every_page.py) and to load them at phone width (tests/admin/test_mobile_browser.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import StoreSync, SyncKind, SyncStatus
from app.config import Settings
from app.db import utcnow
from app.demo.initiatives import recovery_settings, win_back_settings
from app.demo.okrs import KEY_RESULTS, LOYALTY, add_objective, add_revenue_objective
from app.digest.alerts.models import KeyResultAlert
from app.initiatives import service as initiatives
from app.initiatives.models import InitiativeStatus, InitiativeType
from app.initiatives.schemas import InitiativeIn
from app.okr.health import Health
from app.okr.models import CheckIn, Cycle, KeyResult, Objective, ObjectiveKind, Source
from app.okr.scoring import KRType
from app.sharing import links
from app.shops.models import Shop
from app.webhooks.models import EventStatus, WebhookEvent

# What a database failure looks like when stored (app/webhooks/service.py `record_failure`).
SQL_FAILURE = (
    "IntegrityError: (sqlalchemy.dialects.postgresql.asyncpg.IntegrityError) <class "
    "'asyncpg.exceptions.UniqueViolationError'>: duplicate key value violates unique constraint "
    '"uq_customers_shop_id_email"\nDETAIL:  Key (shop_id, email)=(1, ana.garcia@example.com) '
    "already exists.\n[SQL: INSERT INTO customers (shop_id, email) VALUES ($1::INTEGER, "
    "$2::VARCHAR)]\n[parameters: (1, 'ana.garcia@example.com')]"
)
# Other stored failures (webhooks, syncs) as `f"{type(error).__name__}: {error}"` writes them.
UNREADABLE = "KeyError: 'line_items'"
NOT_NORMALISED = "NormalisationError: orders/create: line_items[0].price is not a number"
UNREACHABLE = "ConnectTimeout: store.example did not answer in 30 s"
ACTOR = "owner"
MANUAL_KR = "Page load in seconds"
# What the merchant typed below: names, shown as typed in every language.
TYPED = ("Grow revenue", "Customers love us", "Faster store", MANUAL_KR, "Images are smaller",
         ACTOR, "Office TV")  # fmt: skip


@dataclass(frozen=True)
class World:
    """The ids a page's path names, by the name of its path parameter; and what the merchant
    typed (names that stay as typed in every language)."""

    ids: dict[str, str]
    names: frozenset[str]


async def populate(session: AsyncSession, shop: Shop, settings: Settings) -> World:
    shop_id = shop.id or 0
    cycle, manual, metric_kr = await _objectives(session, shop)
    made = await _initiatives(session, shop_id)
    link = await links.create_link(session, shop_id, "Office TV", 30)
    await _deliveries(session, shop_id)
    await _syncs(session, shop_id)
    await _drop(session, shop_id, manual)
    titles = {kr.title for kr in (*KEY_RESULTS, *LOYALTY)} | set(INITIATIVE_NAMES.values())
    return World(
        ids={
            "key_result_id": str(manual),
            "initiative_id": str(made[InitiativeType.ABANDONED_CHECKOUT]),
            "survey_id": str(made[InitiativeType.SURVEY]),
            "token": links.token_for(link, settings),
            "link_id": str(link.id),
            "cycle": str(cycle.id),
            "metric_key_result": str(metric_kr),
        },
        names=frozenset({shop.name, shop.domain, shop.timezone, cycle.name, *TYPED, *titles}),
    )


async def _objectives(session: AsyncSession, shop: Shop) -> tuple[Cycle, int, int]:
    """The demo's objectives and one with a manual key result checked in once: the cycle, the
    manual key result's id and the net sales one's."""
    shop_id = shop.id or 0
    cycle = await add_revenue_objective(session, shop, KEY_RESULTS)
    await add_objective(session, shop, cycle, "Customers love us", LOYALTY)
    speed = Objective(shop_id=shop_id, cycle_id=cycle.id or 0, title="Faster store",
                      kind=ObjectiveKind.OTHER)  # fmt: skip
    session.add(speed)
    await session.flush()
    manual = KeyResult(shop_id=shop_id, objective_id=speed.id or 0, title=MANUAL_KR,
                       source=Source.MANUAL, kr_type=KRType.DECREASE_TO,
                       start_value=Decimal("3.4"), target=Decimal("2.0"))  # fmt: skip
    session.add(manual)
    await session.flush()
    session.add(CheckIn(shop_id=shop_id, key_result_id=manual.id or 0, value=Decimal("2.9"),
                        confidence=6, comment="Images are smaller", author=ACTOR))  # fmt: skip
    net_sales = await session.exec(select(KeyResult.id).where(
        KeyResult.shop_id == shop_id, KeyResult.metric_key == "net_sales"))  # fmt: skip
    return cycle, manual.id or 0, net_sales.one() or 0


async def _deliveries(session: AsyncSession, shop_id: int) -> None:
    """A handled webhook, and failed ones: one whose stored error holds SQL and an address, one
    the platform's reader refused, one nobody could read."""
    failed = {"failed-1": SQL_FAILURE, "failed-2": NOT_NORMALISED, "failed-3": UNREADABLE}
    for delivery_id, error in failed.items():
        session.add(WebhookEvent(shop_id=shop_id, delivery_id=delivery_id,
                                 topic="customers/create", payload="{}",
                                 status=EventStatus.FAILED, attempts=5,
                                 last_error=error))  # fmt: skip
    session.add(WebhookEvent(shop_id=shop_id, delivery_id="handled-1", topic="orders/create",
                             payload="{}", status=EventStatus.HANDLED, attempts=1,
                             handled_at=utcnow()))  # fmt: skip
    await session.flush()


async def _syncs(session: AsyncSession, shop_id: int) -> None:
    """A backfill and a reconciliation that failed (the store unreachable, SQL)."""
    since = utcnow() - timedelta(days=365)
    for kind, error in ((SyncKind.BACKFILL, UNREACHABLE), (SyncKind.RECONCILE, SQL_FAILURE)):
        session.add(StoreSync(shop_id=shop_id, kind=kind, status=SyncStatus.FAILED,
                              since=since, resource="orders", records=120, error=error,
                              finished_at=utcnow()))  # fmt: skip
    await session.flush()


async def _drop(session: AsyncSession, shop_id: int, key_result_id: int) -> None:
    """The alerts' check saw the key result on track, then at risk an hour ago."""
    session.add(KeyResultAlert(key_result_id=key_result_id, shop_id=shop_id,
                               health=Health.AT_RISK.value, dropped_from=Health.ON_TRACK.value,
                               dropped_at=utcnow() - timedelta(hours=1)))  # fmt: skip
    await session.flush()


INITIATIVE_NAMES = {
    InitiativeType.ABANDONED_CHECKOUT: "Recover abandoned carts",
    InitiativeType.WIN_BACK: "Win back lapsed customers",
    InitiativeType.SURVEY: "How did we do?",
}


async def _initiatives(session: AsyncSession, shop_id: int) -> dict[InitiativeType, int]:
    """The demo's three initiatives, switched on; their ids by type."""
    now = utcnow()
    settings: dict[InitiativeType, dict[str, Any]] = {
        InitiativeType.ABANDONED_CHECKOUT: recovery_settings(),
        InitiativeType.WIN_BACK: win_back_settings(9),
        InitiativeType.SURVEY: {"days_after": 0},
    }
    made = {}
    for kind, name in INITIATIVE_NAMES.items():
        body = InitiativeIn(type=kind, name=name, settings=settings[kind], key_result_ids=[])
        initiative = await initiatives.create(session, shop_id, body, ACTOR, now)
        assert initiative.id is not None
        await initiatives.move(session, shop_id, initiative.id, InitiativeStatus.ACTIVE, ACTOR, now)
        made[kind] = initiative.id
    return made
