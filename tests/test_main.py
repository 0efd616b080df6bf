"""The app's shell: error envelope, request ids, and the transaction boundary of a request."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select

from app.config import Settings
from app.deps import SessionDep
from app.errors import Conflict
from app.integrations.platforms import Platform
from app.main import add_error_handlers, create_app
from app.shops.models import Shop
from app.startup import open_runtime
from app.worker.tasks import TaskRegistry
from tests.fixtures.app import running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.settings import UNREACHABLE_POSTGRES_URL, make_settings

router = APIRouter()


class NewShop(BaseModel):
    domain: str


@router.post("/test/shops")
async def add_shop(body: NewShop, session: SessionDep) -> dict[str, str]:
    # No flush: the INSERT first reaches the database at the boundary's commit.
    session.add(Shop(platform=Platform.SHOPIFY, domain=body.domain))
    return {"status": "created"}


@router.get("/test/shops/count")
async def count_shops(session: SessionDep) -> dict[str, int]:
    return {"count": (await session.exec(select(func.count()).select_from(Shop))).one()}


@router.get("/test/conflict")
async def conflict() -> None:
    raise Conflict("that shop is already connected", details={"shop": "a.myshopify.com"})


@router.get("/test/bug")
async def bug() -> None:
    raise RuntimeError("a bug")


def app_with_test_routes(**settings: object) -> FastAPI:
    app = create_app(make_settings(**settings), TaskRegistry())
    app.include_router(router)
    return app


@pytest.fixture
async def clean_tables(pg_engine: AsyncEngine) -> None:
    await empty_all_tables(pg_engine)


async def test_domain_error_becomes_the_json_envelope(clean_tables: None) -> None:
    async with running_app(make_settings(), app=app_with_test_routes()) as (_, client):
        response = await client.get("/test/conflict")
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "conflict",
            "message": "that shop is already connected",
            "details": {"shop": "a.myshopify.com"},
        }
    }


async def test_invalid_request_is_422_naming_the_field(clean_tables: None) -> None:
    async with running_app(make_settings(), app=app_with_test_routes()) as (_, client):
        response = await client.post("/test/shops", json={"name": "no domain"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "body.domain" in error["message"]
    assert error["details"]["errors"][0]["loc"] == ["body", "domain"]


async def test_unknown_route_is_404_in_the_envelope(clean_tables: None) -> None:
    async with running_app(make_settings(), app=app_with_test_routes()) as (_, client):
        response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_a_bug_is_500_with_the_request_id_and_is_logged(
    clean_tables: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    async with running_app(make_settings(), app=app_with_test_routes()) as (_, client):
        response = await client.get("/test/bug", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-42"
    assert response.json()["error"] == {
        "code": "internal_error",
        "message": "an internal error occurred (request id req-42)",
        "details": {},
    }
    assert "a bug" not in response.text
    assert any(record.exc_info for record in caplog.records)


async def test_every_response_carries_a_request_id(clean_tables: None) -> None:
    async with running_app(make_settings(), app=app_with_test_routes()) as (_, client):
        generated = await client.get("/healthz")
        unsafe = await client.get("/healthz", headers={"X-Request-ID": "bad id\r\nx"})
    assert len(generated.headers["x-request-id"]) == 32
    assert unsafe.headers["x-request-id"] != "bad id\r\nx"


async def test_request_commits_before_it_answers(clean_tables: None) -> None:
    async with running_app(make_settings(), app=app_with_test_routes()) as (_, client):
        first = await client.post("/test/shops", json={"domain": "a.myshopify.com"})
        duplicate = await client.post("/test/shops", json={"domain": "a.myshopify.com"})
        count = await client.get("/test/shops/count")
    assert first.status_code == 200
    # The duplicate fails at commit, which happens before the answer: never a 2xx.
    assert duplicate.status_code == 500
    assert count.json() == {"count": 1}


async def test_unreachable_database_answers_503(clean_tables: None) -> None:
    # The real lifespan refuses to start without its database, so this app gets a runtime
    # aimed at a port where nothing listens: every connection attempt really fails.
    settings = make_settings(database_url=UNREACHABLE_POSTGRES_URL)
    app = FastAPI(lifespan=runtime_only_lifespan(settings))
    add_error_handlers(app)
    app.include_router(router)
    async with running_app(settings, app=app) as (_, client):
        response = await client.post("/test/shops", json={"domain": "b.myshopify.com"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


def runtime_only_lifespan(
    settings: Settings,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, TaskRegistry()) as runtime:
            app.state.runtime = runtime
            yield

    return lifespan
