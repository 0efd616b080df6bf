"""The OKR editor: cycles, objectives and key results through HTML forms checked by the same
services as the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from app.admin.editor import cycles, key_results, objectives, page

router = APIRouter()
for section in (page, cycles, objectives, key_results):
    router.include_router(section.router)
