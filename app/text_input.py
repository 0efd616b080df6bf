"""Text holding a NUL character (U+0000) is refused at the door, on every route, with a 422 that
says where. PostgreSQL cannot store U+0000 in text: let in, it failed the INSERT and the
request answered 500 — the API fuzzer found it through an initiative's name, and every text
field of the JSON API had it. (Unpaired surrogates, the other text no database
takes, pydantic refuses already.) A body is looked at only when the route's own parsing has read
it already as JSON: a form or a raw body is read by its route, once."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute

from app.errors import Unprocessable

NUL = "\x00"
# Cheap first look at a JSON body: the only way a NUL can be written in JSON text.
ESCAPED_NUL = re.compile(rb"\\u0000", re.IGNORECASE)
# Webhook bodies are stored as received; the platforms' readers refuse what they cannot take.
UNCHECKED_PREFIX = "/webhooks/"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


async def refuse_nul_characters(request: Request) -> None:
    """An app-wide dependency: 422 for a query, path, JSON or form value with a NUL in it."""
    if request.url.path.startswith(UNCHECKED_PREFIX):
        return
    where = _in_pairs("query", request.query_params.multi_items())
    where = where or _in_pairs("path", list(request.path_params.items()))
    content_type = request.headers.get("content-type", "")
    if where is None and "json" in content_type and _reads_a_body(request):
        where = nul_in_body(content_type, await request.body())  # read already: no second read
    if where is not None:
        raise Unprocessable(
            f"the request is not valid: {where} holds a NUL character (U+0000), "
            "which no text may contain",
            details={"loc": where.split(".")},
        )


def _in_pairs(origin: str, pairs: list[tuple[str, Any]]) -> str | None:
    for name, value in pairs:
        if NUL in name or (isinstance(value, str) and NUL in value):
            return f"{origin}.{name.replace(NUL, '?')}"
    return None


def _reads_a_body(request: Request) -> bool:
    """FastAPI reads a route's body before its dependencies when the route declares one."""
    route = request.scope.get("route")
    return (
        request.method in BODY_METHODS
        and isinstance(route, APIRoute)
        and route.body_field is not None
    )


def nul_in_body(content_type: str, body: bytes) -> str | None:
    if "json" not in content_type or not ESCAPED_NUL.search(body):
        return None
    try:
        return _in_json(json.loads(body), "body")
    except ValueError:
        return None  # not JSON: the route's own parsing says so


def _in_json(value: Any, where: str) -> str | None:
    if isinstance(value, str):
        return where if NUL in value else None
    if isinstance(value, dict):
        for key, inner in value.items():
            if NUL in key:
                return where
            found = _in_json(inner, f"{where}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, inner in enumerate(value):
            found = _in_json(inner, f"{where}.{index}")
            if found:
                return found
    return None
