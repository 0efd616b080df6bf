"""The admin's pages, one router per section, and its static files (htmx, CSS, scripts)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.staticfiles import StaticFiles

from app.admin import (
    dashboard,
    editor,
    i18n,
    key_result_page,
    operations,
    session_token_bounce,
    sharing,
)
from app.admin.digest import pages as digest
from app.admin.rendering import HERE

# Every page and form works in the request's language (numbers read, errors written).
router = APIRouter(include_in_schema=False, dependencies=[Depends(i18n.use_page_locale)])
router.include_router(dashboard.router)
router.include_router(key_result_page.router)
router.include_router(editor.router)
router.include_router(digest.router)
router.include_router(sharing.router)
router.include_router(operations.router)
router.include_router(session_token_bounce.router)
static = StaticFiles(directory=HERE / "static")
