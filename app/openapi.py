"""The OpenAPI document tells the truth about errors: any operation may refuse a request with
the one error body `app.main` writes (`{"error": {"code", "message", "details"}}`) — a 4xx for
what was wrong with the request (401 for a missing or stale session token, 404, 409, 422, 429…)
and a 503 while the database is out of reach. FastAPI's own document lists only 422, with a
`{"detail": …}` body the app never sends; clients and the API fuzzer
(tests/reliability/test_api_fuzz.py) read this one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

ERROR_SCHEMA = "ErrorBody"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
# FastAPI's validation-error schemas: replaced by ours, so dropped once nothing refers to them.
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


class ErrorDetail(BaseModel):
    code: str = Field(description="What kind of error, for programs: not_found, invalid, …")
    message: str = Field(description="What was wrong and how to fix it, for people.")
    details: dict[str, Any] = Field(description="The fields or values concerned, if any.")


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[str, str] = {
    "422": "The request is not valid: `details` names the fields and what is wrong with them.",
    "4XX": "Refused: the message says what was wrong with the request and how to fix it.",
    "503": "A dependency (the database) is out of reach for now: send the request again.",
}


def document_errors(app: FastAPI) -> None:
    """Make `app.openapi()` list the error answers every operation can give."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend it


def with_errors(schema: dict[str, Any]) -> dict[str, Any]:
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(body.pop("$defs", {}))
    schemas[ERROR_SCHEMA] = body
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                if status != "422":  # an operation's own words for its 4xx or 503 stay
                    description = responses.get(status, {}).get("description", description)
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return schema
