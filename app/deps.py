"""Request dependencies as `Annotated` aliases: declare `session: SessionDep` in a route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.runtime import Runtime


# Dependencies are `async def` even when they await nothing: FastAPI runs a plain `def` one in
# its thread pool, a thread hop per request (one worker acknowledged 130 webhooks/s with them,
# 206–227/s with them async and the sender cache; bench/README.md).
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """The request's unit of work, committed when the route returns."""
    async with runtime.transaction() as session:
        yield session


# scope="function": the commit happens before the response is sent, so a 2xx always means
# committed (a webhook acknowledged is a webhook stored), and a failed commit answers 5xx.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


# A row id in a path: PostgreSQL's `integer`. A larger one names nothing and is refused (422)
# before it reaches the database, which would fail on it (a 500).
LARGEST_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(gt=0, le=LARGEST_ROW_ID)]
RowIdQuery = Annotated[int, Query(gt=0, le=LARGEST_ROW_ID)]
