from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from app.deps import RuntimeDep
from app.errors import ServiceUnavailable
from app.health.checks import OK, readiness, workers

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    checks: dict[str, str]
    workers: str


@router.get("/healthz")
async def healthz() -> Liveness:
    """The process is alive (it checks nothing else)."""
    return Liveness()


@router.get("/readyz", responses={503: {"description": "A dependency is unreachable."}})
async def readyz(runtime: RuntimeDep) -> Readiness:
    """The database (migrated) and, when configured, Redis are reachable."""
    checks = await readiness(runtime)
    failing = {name: state for name, state in checks.items() if state not in (OK, "embedded")}
    if failing:
        summary = "; ".join(f"{name}: {state}" for name, state in failing.items())
        raise ServiceUnavailable(f"not ready: {summary}", details={"checks": checks})
    return Readiness(checks=checks, workers=await workers(runtime))
