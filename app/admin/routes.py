"""The admin's pages, one router per section, and its static files (htmx, CSS, scripts)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.staticfiles import StaticFiles

from app.admin import editor, i18n
from app.admin.dashboard import page as dashboard
from app.admin.digest import page as digest
from app.admin.embedding import bounce_page
from app.admin.initiatives import experiment_page as initiative_experiments
from app.admin.initiatives import page as initiatives
from app.admin.initiatives import preview_page as initiative_preview
from app.admin.key_result import page as key_result
from app.admin.messaging import page as email_settings
from app.admin.operations import page as operations
from app.admin.rendering import HERE
from app.admin.sharing import exports, share_page
from app.admin.sharing import page as sharing
from app.admin.stores import page as stores
from app.admin.surveys import page as surveys
from app.admin.surveys import segment as survey_segment

# Every page and form works in the request's language (numbers read, errors written).
router = APIRouter(include_in_schema=False, dependencies=[Depends(i18n.use_page_locale)])
for section in (
    dashboard,
    key_result,
    editor,
    initiative_experiments,  # before `initiatives`: its fixed paths come before their ids
    initiatives,
    initiative_preview,
    email_settings,
    surveys,
    survey_segment,
    digest,
    share_page,
    exports,
    sharing,
    operations,
    stores,
    bounce_page,
):
    router.include_router(section.router)
static = StaticFiles(directory=HERE / "static")
