"""The admin's pages, one router per section, and its static files (htmx, CSS, scripts)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from app.admin import dashboard
from app.admin.rendering import HERE

router = APIRouter(include_in_schema=False)
router.include_router(dashboard.router)
static = StaticFiles(directory=HERE / "static")
