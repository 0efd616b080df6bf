"""Shop A, signed in, reaches nothing of shop B's on any signed-in route: the JSON API (its
OpenAPI route table) and the admin's pages and forms (the app's route table).

For every route, each id it takes — path, query, body, form — is filled with one of shop B's
real objects, all of them at once and then one slot at a time (A's own objects in the others).
The answer must be the one an id that names nothing gets (for an id in the path: 403 or 404),
must hold nothing of B's, and the database must be unchanged. The same request with A's own
objects must be accepted: that proves it was valid apart from the foreign ids, so a refusal
cannot come from a body the route would have refused anyway."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.dependencies import ShopDep, current_shop, shop_if_signed_in
from app.commerce.models import Customer, StoreSync, SyncKind, SyncStatus
from app.db import utcnow
from app.deps import LARGEST_ROW_ID, SessionDep
from app.digest.models import DigestSettings
from app.errors import NotFound
from app.initiatives.models import Initiative, InitiativeStatus, InitiativeType
from app.initiatives.surveys.settings import SurveySettings
from app.integrations.platforms import Platform
from app.main import create_app
from app.messaging.models import MessagingSettings
from app.metrics.models import SalesDay
from app.okr.models import CheckIn, Cycle, KeyResult, Objective, ObjectiveKind, OkrSettings, Source
from app.okr.scoring import KRType
from app.okr.service import today_for
from app.privacy.models import CustomerExport
from app.sharing import links
from app.sharing.models import ShareLink
from app.shops import repository
from app.tasks import registry
from app.webhooks.models import EventStatus, WebhookEvent
from tests.fixtures.app import finish_jobs
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected, connection_settings
from tests.okr.history import with_sales
from tests.security.isolation_requests import (
    ApiOperation,
    Call,
    CannotFill,
    Fill,
    Filler,
    kind_of,
)
from tests.shops.helpers import Rows, new_rows, rows_of_shop, stored_rows
from tests.shops.test_access import login

SHOP_A = "shop-a.myshopify.com"
SHOP_B = "shop-b.myshopify.com"
MARK = "bsecret"  # in every text of shop B's: an answer to A that holds it leaked
# Shop B's objects get ids no other row has, so that one in an answer is recognised.
B_IDS = {
    "cycle": 9_001_101,
    "other_cycle": 9_001_102,
    "objective": 9_001_201,
    "other_objective": 9_001_202,
    "key_result": 9_001_301,
    "check_in": 9_001_401,
    "event": 9_001_501,
    "export": 9_001_601,
    "link": 9_001_701,
    "customer": 9_001_801,
    "initiative": 9_001_901,
    "survey": 9_002_001,
    "sync": 9_002_101,
}
# Ids that name nothing: what B's must be indistinguishable from.
NOTHING = {kind: str(LARGEST_ROW_ID) for kind in B_IDS} | {"customer": "no-such-customer"}
# A customer is named by the store's id for it and looked up: finding none is an answer (an
# empty export), not an error, so asking with B's may write A's empty answer, never B's data.
LOOKUPS = {"customer"}
# Endless streams cannot be read to the end here; tests/live/test_events.py proves that each
# carries only the signed-in shop's messages.
STREAMS = {"/api/v1/events"}


def no_fields(_fill: Fill) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Page:
    """How to send one admin route: its query and form from the ids handed out (path ids are
    filled from their names)."""

    query: Callable[[Fill], dict[str, str]] = no_fields
    form: Callable[[Fill], dict[str, str]] = no_fields


def _kr_form(fill: Fill) -> dict[str, str]:
    return {"title": "Faster pages", "kr_type": "decrease_to", "start_value": "3", "target": "2"}


def _initiative_form(fill: Fill) -> dict[str, str]:
    return {
        "type": "abandoned_checkout",  # read by the new initiative's form only
        "name": "Recover carts",
        "key_result_ids": fill("form.key_result_ids", "key_result"),
        "step_1": "1",
        "attribution_days": "7",
        "language": "en",
    }


def _survey_form(fill: Fill) -> dict[str, str]:
    return {
        "name": "How did we do?",
        "key_result_ids": fill("form.key_result_ids", "key_result"),
        "q1_kind": "nps",
        "q1_en": "Recommend us?",
        "q1_es": "¿Nos recomiendas?",
        "q1_de": "Empfiehlst du uns?",
        "trigger": "returning_order",
        "days_after": "7",
        "cooldown_days": "90",
        "language": "en",
    }


def _objective_form(fill: Fill) -> dict[str, str]:
    return {
        "title": "Grow",
        "kind": "other",
        "parent_id": fill("form.parent_id", "other_objective"),
    }


# Signed-in admin routes with the query and form a request needs to be accepted for A's own
# objects. A route not listed is sent with its path ids alone: if that is refused for A's own
# objects, the admin test fails until the route is taught here.
ADMIN_PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/"): Page(),
    ("GET", "/admin/scorecard"): Page(),
    ("GET", "/admin/key-results/{key_result_id}"): Page(),
    ("GET", "/admin/key-results/{key_result_id}/live"): Page(),
    ("POST", "/admin/key-results/{key_result_id}/check-ins"): Page(
        form=lambda fill: {"value": "2.5", "confidence": "7", "comment": "On track", "author": "Al"}
    ),
    ("GET", "/admin/okrs"): Page(query=lambda fill: {"cycle": fill("query.cycle", "cycle")}),
    ("GET", "/admin/okrs/metric-help"): Page(
        query=lambda fill: {"cycle": fill("query.cycle", "cycle"), "metric_key": "net_sales"}
    ),
    ("POST", "/admin/okrs/cycles"): Page(form=lambda fill: {"year": "2031"}),
    ("POST", "/admin/okrs/cycles/{cycle_id}/templates"): Page(
        form=lambda fill: {"template_id": "revenue"}
    ),
    ("POST", "/admin/okrs/start"): Page(),
    ("POST", "/admin/okrs/cycles/{cycle_id}/close"): Page(
        form=lambda fill: {f"retrospective-{fill('form.retrospective', 'objective')}": "Learned"}
    ),
    ("POST", "/admin/okrs/objectives"): Page(
        form=lambda fill: {"cycle_id": fill("form.cycle_id", "cycle"), **_objective_form(fill)}
    ),
    ("POST", "/admin/okrs/objectives/{objective_id}"): Page(form=_objective_form),
    ("POST", "/admin/okrs/objectives/{objective_id}/move"): Page(
        form=lambda fill: {"direction": "down"}
    ),
    ("POST", "/admin/okrs/objectives/{objective_id}/delete"): Page(),
    ("POST", "/admin/okrs/key-results"): Page(
        form=lambda fill: {
            "objective_id": fill("form.objective_id", "objective"),
            "source": "manual",
            **_kr_form(fill),
        }
    ),
    ("POST", "/admin/okrs/key-results/{key_result_id}"): Page(form=_kr_form),
    ("POST", "/admin/okrs/key-results/{key_result_id}/move"): Page(
        form=lambda fill: {"direction": "up"}
    ),
    ("POST", "/admin/okrs/key-results/{key_result_id}/delete"): Page(),
    ("GET", "/admin/digest"): Page(),
    ("POST", "/admin/digest"): Page(
        form=lambda fill: {
            "recipients": "team@example.com",
            "weekday": "0",
            "hour": "8",
            "locale": "en",  # not switched on: e-mail is not configured here
        }
    ),
    ("POST", "/admin/digest/send-now"): Page(),
    ("GET", "/admin/email-settings"): Page(),
    ("POST", "/admin/email-settings"): Page(
        form=lambda fill: {
            "sender_name": "Team",
            "reply_to": "team@example.com",
            "frequency_cap_hours": "12",
            "quiet_hours": "on",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        }
    ),
    ("GET", "/admin/export/key-results.csv"): Page(),
    ("GET", "/admin/export/check-ins.csv"): Page(),
    ("GET", "/admin/sharing"): Page(query=lambda fill: {"created": fill("query.created", "link")}),
    ("POST", "/admin/sharing"): Page(form=lambda fill: {"label": "Team TV", "days": "30"}),
    ("GET", "/admin/sharing/{link_id}/revoke"): Page(),
    ("GET", "/admin/stores"): Page(),
    ("POST", "/admin/stores"): Page(form=lambda fill: {"store": "1"}),
    ("POST", "/admin/sharing/{link_id}/revoke"): Page(),
    ("GET", "/admin/operations"): Page(query=lambda fill: {"page": "1"}),
    ("POST", "/admin/operations/webhooks/{event_id}/retry"): Page(),
    ("GET", "/admin/initiatives"): Page(query=lambda fill: {"new": "win_back"}),
    ("POST", "/admin/initiatives"): Page(form=_initiative_form),
    ("POST", "/admin/initiatives/{initiative_id}"): Page(form=_initiative_form),
    ("POST", "/admin/initiatives/{initiative_id}/toggle"): Page(form=lambda fill: {"on": "0"}),
    ("POST", "/admin/initiatives/{initiative_id}/experiment"): Page(
        form=lambda fill: {"holdout": "10", "variant_1_key": "early", "variant_1_delay": "30"}
    ),
    ("GET", "/admin/initiatives/{initiative_id}/preview"): Page(
        query=lambda fill: {"language": "es", "step": "1"}
    ),
    ("POST", "/admin/initiatives/{initiative_id}/test-send"): Page(
        form=lambda fill: {"language": "de", "step": "1"}
    ),
    ("GET", "/admin/surveys/{survey_id}"): Page(query=lambda fill: {"language": "de"}),
    ("POST", "/admin/surveys"): Page(form=_survey_form),
    ("POST", "/admin/surveys/{survey_id}"): Page(form=_survey_form),
    ("POST", "/admin/surveys/{survey_id}/segment"): Page(
        form=lambda fill: {"ordered_within_days": "90", "min_orders": "2"}
    ),
    ("GET", "/admin/surveys/{survey_id}/responses"): Page(
        query=lambda fill: {"channel": "email", "group": "promoters"}
    ),
}
# A's own request is refused for a reason of A's that no test objects change: the answer
# expected instead of a success.
OWN_REFUSALS = {
    "POST /admin/digest/send-now": 503,  # e-mail is not configured here
    "POST /admin/initiatives/{initiative_id}/test-send": 503,  # nor here
    # A's session reaches A alone: no other store to switch to (tests/admin/test_stores.py).
    "POST /admin/stores": 404,
}

Build = Callable[[Fill], Call]
Row = TypeVar("Row", bound=SQLModel)
# Kinds of object that have an id.
Named = (
    Cycle
    | Objective
    | KeyResult
    | WebhookEvent
    | CustomerExport
    | ShareLink
    | Initiative
    | StoreSync
)


@dataclass
class World:
    """Both shops signed up, B's objects in place, and how A signs its requests."""

    connected: Connected
    engine: AsyncEngine
    a_id: int
    b_id: int
    b: dict[str, str]  # kind -> one of B's objects
    markers: set[str]  # what of B's must not reach A
    credentials: Callable[[], dict[str, str]] = dict
    problems: list[str] = field(default_factory=list)

    async def send(self, call: Call, signed: bool = True) -> httpx.Response:
        headers = self.credentials() if signed else {}
        return await self.connected.client.request(
            call.method,
            call.url,
            params=call.params,
            json=call.json,
            data=call.form,
            headers=headers,
        )

    def leaked(self, text: str, sent: Collection[str]) -> list[str]:
        """B's markers in `text`, except values the request itself sent (an echo is not a
        leak: "no cycle 9001101")."""
        return sorted(m for m in self.markers - set(sent) if m in text)


@pytest.fixture
async def world(connected: Connected, pg_engine: AsyncEngine) -> World:
    connected.shopify.shop(SHOP_A).name = "Shop A"
    connected.shopify.shop(SHOP_B).name = f"Name of {MARK} shop"
    connected.shopify.shop(SHOP_B).email = f"owner@{MARK}.example"
    for domain in (SHOP_A, SHOP_B):  # the first signed-in request installs the shop
        headers = {"Authorization": f"Bearer {session_token(domain)}"}
        assert (await connected.client.get("/api/v1/shop", headers=headers)).status_code == 200
    await finish_jobs(connected.app)
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        a = await repository.find_shop(session, Platform.SHOPIFY, SHOP_A)
        b = await repository.find_shop(session, Platform.SHOPIFY, SHOP_B)
        assert a is not None
        assert b is not None
        assert a.id is not None
        assert b.id is not None
        b_objects = await create_objects(session, b.id, MARK, B_IDS)
        await create_shop_records(session, b.id)
        # Weeks of A's own sales: its templates fill key results (none would be refused).
        yesterday = today_for(a) - timedelta(days=1)
        await with_sales(session, a.id, yesterday - timedelta(days=60), yesterday)
        link = await session.get(ShareLink, B_IDS["link"])
        assert link is not None
    markers = {MARK, SHOP_B, *b_objects.values(), links.token_for(link, runtime.settings)}
    return World(connected, pg_engine, a.id, b.id, b_objects, markers)


async def create_objects(
    session: AsyncSession, shop_id: int, text: str, ids: Mapping[str, int] | None = None
) -> dict[str, str]:
    """One object of each kind a route can name, in open cycles around today (with `ids`,
    those ids); `text` in each of their words. Returns kind -> id."""
    ids, today = ids or {}, utcnow().date()

    async def add(row: Row) -> Row:
        session.add(row)
        await session.flush()
        return row

    def cycle(kind: str, start: int, end: int) -> Cycle:
        start_day, end_day = today + timedelta(days=start), today + timedelta(days=end)
        return Cycle(
            id=ids.get(kind), shop_id=shop_id, name=f"{text} {kind}", start=start_day, end=end_day
        )

    def objective(kind: str, cycle_id: int | None) -> Objective:
        title, other = f"{text} {kind}", ObjectiveKind.OTHER
        return Objective(
            id=ids.get(kind), shop_id=shop_id, cycle_id=cycle_id or 0, title=title, kind=other
        )

    current = await add(cycle("cycle", -30, 60))
    later = await add(cycle("other_cycle", 61, 150))
    first = await add(objective("objective", current.id))
    second = await add(objective("other_objective", current.id))
    key_result = await add(
        KeyResult(
            id=ids.get("key_result"),
            shop_id=shop_id,
            objective_id=first.id or 0,
            title=f"{text} key result",
            source=Source.MANUAL,
            kr_type=KRType.DECREASE_TO,
            start_value=Decimal("3.4"),
            target=Decimal("2.0"),
        )
    )
    customer_id = str(ids.get("customer") or f"{text}-{first.id}")
    made: dict[str, Named] = {
        "cycle": current,
        "other_cycle": later,
        "objective": first,
        "other_objective": second,
        "key_result": key_result,
    }
    made.update(await _records(session, shop_id, text, ids, key_result))
    session.add(
        Customer(
            shop_id=shop_id,
            key=f"id:{customer_id}",
            platform_id=customer_id,
            email=f"{text}-{customer_id}@example.com",
            first_name=text,
        )
    )
    await session.flush()
    return {kind: str(row.id) for kind, row in made.items()} | {"customer": customer_id}


async def _records(
    session: AsyncSession, shop_id: int, text: str, ids: Mapping[str, int], kr: KeyResult
) -> dict[str, Named]:
    """The check-in, failed webhook and sync, export and share link of `create_objects`."""
    made: dict[str, Named] = {
        "event": WebhookEvent(
            id=ids.get("event"),
            shop_id=shop_id,
            delivery_id=f"{text}-{kr.id}",
            topic="orders/create",
            payload="{}",
            status=EventStatus.FAILED,
            last_error=f"{text} error",
        ),
        "export": CustomerExport(
            id=ids.get("export"),
            shop_id=shop_id,
            customer_ref=f"{text} customer",
            content=json.dumps({"customer": f"{text} content"}),
        ),
        "link": ShareLink(
            id=ids.get("link"),
            shop_id=shop_id,
            label=f"{text} link",
            expires_at=utcnow().replace(microsecond=0) + timedelta(days=30),
        ),
        # Active: activate (no change), pause and end are each accepted for A's own; an
        # abandoned-checkout recovery, so that its e-mail's preview and test send exist.
        "initiative": Initiative(
            id=ids.get("initiative"),
            shop_id=shop_id,
            type=InitiativeType.ABANDONED_CHECKOUT,
            name=f"{text} initiative",
            status=InitiativeStatus.ACTIVE,
        ),
        "sync": StoreSync(
            id=ids.get("sync"),
            shop_id=shop_id,
            kind=SyncKind.BACKFILL,
            status=SyncStatus.FAILED,
            since=utcnow(),
            error=f"{text} sync error",
        ),
        "survey": Initiative(
            id=ids.get("survey"),
            shop_id=shop_id,
            type=InitiativeType.SURVEY,
            name=f"{text} survey",
            settings=SurveySettings().model_dump(mode="json"),
            status=InitiativeStatus.ACTIVE,
        ),
    }
    session.add_all(made.values())
    session.add(
        CheckIn(
            id=ids.get("check_in"),
            shop_id=shop_id,
            key_result_id=kr.id or 0,
            value=Decimal("3.1"),
            comment=f"{text} check-in",
        )
    )
    await session.flush()
    return made


async def create_shop_records(session: AsyncSession, shop_id: int) -> None:
    """What else a shop holds that a signed-in page shows: a failed sync, sales, the digest's
    recipients, its score bands, its e-mails' sender name."""
    session.add_all(
        [
            StoreSync(
                shop_id=shop_id,
                kind=SyncKind.BACKFILL,
                status=SyncStatus.FAILED,
                since=utcnow(),
                error=f"{MARK} sync error",
            ),
            SalesDay(
                shop_id=shop_id,
                day=utcnow().date() - timedelta(days=1),
                slot=0,
                gross=Decimal("987654.32"),
                orders=3,
            ),
            DigestSettings(shop_id=shop_id, recipients=f"boss@{MARK}.example", enabled=True),
            MessagingSettings(shop_id=shop_id, sender_name=f"{MARK} sender"),
            OkrSettings(shop_id=shop_id, green_from=0.93, yellow_from=0.37),
        ]
    )
    await session.flush()


async def own_objects(world: World) -> dict[str, str]:
    """A fresh set of A's objects (a route that changes them must not spoil the next one)."""
    async with world.connected.app.state.runtime.transaction() as session:
        return await create_objects(session, world.a_id, "Own")


async def check_route(world: World, name: str, builds: list[Build]) -> None:
    """Everything the module docstring promises, for one route."""
    accepted = await first_accepted(world, name, builds)
    if accepted is None:
        return
    build, slots = accepted
    if not slots:
        return  # it names no object: it acts on A's own (checked above)
    own = await own_objects(world)
    for chosen in [None, *([{slot} for slot in slots] if len(slots) > 1 else [])]:
        await check_foreign_ids(world, name, build, own, chosen)


async def first_accepted(
    world: World, name: str, builds: list[Build]
) -> tuple[Build, list[str]] | None:
    """The first request accepted for A's own objects, with the id slots it has; its answer
    and what it wrote hold nothing of B's, and B's rows are as they were."""
    own, refusals = await own_objects(world), []
    for build in builds:
        fill = Filler(own, own)
        answer, before, after = await sent_and_stored(world, build(fill))
        written = repr(new_rows(before, after))
        if leaked := world.leaked(answer.text, ()) + world.leaked(written, ()):
            world.problems.append(
                f"{name} for A's own objects: B's {leaked} in {answer.text[:200]}"
            )
        if rows_of_shop(before, world.b_id) != rows_of_shop(after, world.b_id):
            world.problems.append(f"{name} for A's own objects changed B's rows")
        if answer.status_code < 400 or OWN_REFUSALS.get(name) == answer.status_code:
            return build, list(fill.slots)
        refusals.append(f"{answer.status_code} {answer.text[:300]}")
    world.problems.append(
        f"{name}: no request with A's own objects was accepted, so a refusal of B's ids would "
        f"prove nothing; teach the test a valid one. Answers: {refusals}"
    )
    return None


async def sent_and_stored(
    world: World, call: Call
) -> tuple[httpx.Response, dict[str, Rows], dict[str, Rows]]:
    """The answer, and every stored row before and after (the jobs it queued run first)."""
    before = await stored_rows(world.engine)
    answer = await world.send(call)
    await finish_jobs(world.connected.app)
    return answer, before, await stored_rows(world.engine)


async def check_foreign_ids(
    world: World, name: str, build: Build, own: dict[str, str], chosen: set[str] | None
) -> None:
    """B's objects in the `chosen` slots (None: all), A's in the others."""
    foreign = Filler(own, world.b, chosen)
    answer, before, after = await sent_and_stored(world, build(foreign))
    nothing = Filler(own, NOTHING, chosen)
    baseline = await world.send(build(nothing))
    await finish_jobs(world.connected.app)
    kinds = {s: k for s, k in foreign.slots.items() if chosen is None or s in chosen}
    what = f"{name} with B's objects in {', '.join(kinds)}"
    problems = world.problems
    if answer.status_code != baseline.status_code:
        problems.append(
            f"{what}: answered {answer.status_code}, not {baseline.status_code} as for ids that "
            f"name nothing: {answer.text[:300]}"
        )
    elif answer.status_code >= 400 and _is_json(answer):
        if _masked(answer.text, foreign.sent) != _masked(baseline.text, nothing.sent):
            problems.append(f"{what}: {answer.text[:300]} differs from {baseline.text[:300]}")
    if any(slot.startswith("path.") for slot in kinds) and answer.status_code not in (403, 404):
        problems.append(f"{what}: answered {answer.status_code}, not 403/404: {answer.text[:300]}")
    if leaked := world.leaked(answer.text, foreign.sent):
        problems.append(f"{what}: B's {leaked} in the answer {answer.text[:300]}")
    lookup = set(kinds.values()) <= LOOKUPS
    problems.extend(
        f"{what}: {change}" for change in changes(world, lookup, foreign, before, after)
    )


def changes(
    world: World, lookup: bool, foreign: Filler, before: dict[str, Rows], after: dict[str, Rows]
) -> list[str]:
    """What the request wrote that it must not have: anything at all; for a lookup (where
    finding none is an answer, which A may keep), anything of B's."""
    if not lookup:
        if before == after:
            return []
        gone, written = new_rows(after, before), new_rows(before, after)
        return [f"the database changed: rows {gone} became {written}"[:800]]
    found = []
    if rows_of_shop(before, world.b_id) != rows_of_shop(after, world.b_id):
        found.append("B's rows changed")
    if leaked := world.leaked(repr(new_rows(before, after)), foreign.sent):
        found.append(f"B's {leaked} written into A's rows")
    return found


def _is_json(answer: httpx.Response) -> bool:
    return str(answer.headers.get("content-type", "")).startswith("application/json")


def _masked(text: str, sent: Collection[str]) -> str:
    """The answer with the ids the request sent taken out ("no cycle <id>")."""
    for value in sent:
        text = text.replace(value, "<id>")
    return text


async def check_signed_out(world: World, routes: list[tuple[str, Build]]) -> None:
    """Without credentials every route is a 401, whatever it names, and writes nothing."""
    before = await stored_rows(world.engine)
    for name, build in routes:
        answer = await world.send(build(Filler(world.b, world.b, None)), signed=False)
        if answer.status_code != 401:
            world.problems.append(f"{name} signed out: {answer.status_code} {answer.text[:200]}")
    if await stored_rows(world.engine) != before:
        world.problems.append("requests without credentials changed the database")


def api_operations(app: FastAPI) -> list[ApiOperation]:
    """Every /api/v1 operation the app publishes (its OpenAPI route table)."""
    spec = app.openapi()
    operations = [
        ApiOperation(method.upper(), path, spec)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1") and path not in STREAMS
        for method in item
    ]
    assert operations, "no /api/v1 operations found"
    return operations


def api_builds(operation: ApiOperation) -> list[Build]:
    return [partial(operation.call, body=body) for body in operation.bodies()]


def signed_in_routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    """Every route that acts for a signed-in shop, by method and path (the app's route table)."""
    found = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and _needs_shop(route.dependant.call, route.dependant):
            found.update({(method, str(context.path)): route for method in route.methods or ()})
    return found


def _needs_shop(call: object, dependant: Any) -> bool:
    if call in (current_shop, shop_if_signed_in):
        return True
    return any(_needs_shop(d.call, d) for d in dependant.dependencies)


def admin_pages(app: FastAPI) -> list[tuple[str, Build]]:
    """Every signed-in route outside the OpenAPI document: the admin's pages and forms. One
    not in ADMIN_PAGES is sent with its path ids and no query or form, which must then work."""
    published = {(op.method, op.path) for op in api_operations(app)}
    return [
        (f"{method} {path}", admin_build(method, path, ADMIN_PAGES.get((method, path), Page())))
        for method, path in signed_in_routes(app)
        if (method, path) not in published and path not in STREAMS
    ]


def admin_build(method: str, path: str, page: Page) -> Build:
    def build(fill: Fill) -> Call:
        def path_id(match: re.Match[str]) -> str:
            return fill(f"path.{match[1]}", kind_of(match[1], f"{method} {path}"))

        url = re.sub(r"\{([^}]+)\}", path_id, path)
        return Call(method, url, page.query(fill), form=page.form(fill) or None)

    return build


async def check_routes(world: World, routes: list[tuple[str, Callable[[], list[Build]]]]) -> None:
    for name, builds in routes:
        try:
            await check_route(world, name, builds())
        except CannotFill as error:
            world.problems.append(str(error))


def _one(build: Build) -> list[Build]:
    return [build]


def bearer_of_a() -> dict[str, str]:
    return {"Authorization": f"Bearer {session_token(SHOP_A)}"}  # minted per request


async def test_shop_a_reaches_nothing_of_shop_b_on_any_api_route(world: World) -> None:
    operations = api_operations(world.connected.app)
    await check_signed_out(world, [(op.name, partial(op.call, body=None)) for op in operations])
    world.credentials = bearer_of_a
    await check_routes(world, [(op.name, partial(api_builds, op)) for op in operations])
    shop = await world.send(Call("GET", "/api/v1/shop"))
    assert shop.json()["id"] == world.a_id  # the one route about "the shop" is about A's
    assert not world.problems, "\n".join(world.problems)


async def test_shop_a_reaches_nothing_of_shop_b_on_any_admin_page(world: World) -> None:
    pages = admin_pages(world.connected.app)
    await check_signed_out(world, pages)
    csrf = await login(world.connected, world.a_id)
    world.credentials = lambda: csrf
    await check_routes(world, [(name, partial(_one, build)) for name, build in pages])
    assert not world.problems, "\n".join(world.problems)


def test_every_admin_page_in_the_table_exists_and_gets_its_query() -> None:
    """ADMIN_PAGES holds no stale route, and fills every query parameter a page declares (a
    new one, id or not, must be taught)."""
    routes = signed_in_routes(create_app(connection_settings(), registry))
    assert not ADMIN_PAGES.keys() - routes.keys(), "routes gone: remove them from ADMIN_PAGES"
    for (method, path), route in routes.items():
        page = ADMIN_PAGES.get((method, path), Page())
        declared = {parameter.alias for parameter in route.dependant.query_params}
        filled = set(page.query(Filler(NOTHING, NOTHING)))
        if path.startswith("/api/v1"):
            continue  # filled from the OpenAPI document
        assert declared <= filled, f"{method} {path}: teach ADMIN_PAGES {declared - filled}"


# A route with the bugs the isolation test exists to catch: it proves the test can fail.
leaky = APIRouter(prefix="/api/v1/test")


class Rename(BaseModel):
    name: str = Field(min_length=1, max_length=120)


@leaky.get("/cycles/{cycle_id}")
async def leaky_cycle(cycle_id: int, shop: ShopDep, session: SessionDep) -> dict[str, str]:
    """Any shop's cycle."""
    cycle = await session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"no cycle {cycle_id}")
    return {"name": cycle.name}


@leaky.post("/cycles/{cycle_id}/rename")
async def leaky_rename(
    cycle_id: int, body: Rename, shop: ShopDep, session: SessionDep
) -> dict[str, str]:
    """Rename any shop's cycle."""
    cycle = await session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"no cycle {cycle_id}")
    cycle.name = body.name
    session.add(cycle)
    return {"name": cycle.name}


async def test_the_isolation_test_catches_a_route_that_leaks(world: World) -> None:
    world.connected.app.include_router(leaky)
    world.credentials = bearer_of_a
    leaking = [op for op in api_operations(world.connected.app) if "/test/" in op.path]
    await check_routes(world, [(op.name, partial(api_builds, op)) for op in leaking])
    found = "\n".join(world.problems)
    assert (
        "GET /api/v1/test/cycles/{cycle_id} with B's objects in path.cycle_id: answered 200"
        in found
    )
    assert f"B's ['{MARK}'] in the answer" in found
    assert "POST /api/v1/test/cycles/{cycle_id}/rename" in found
    assert "the database changed" in found
