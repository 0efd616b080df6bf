"""The OpenAPI document lists the error answers the app really gives (the API fuzzer found 400,
401, 404 and 409 answered but undocumented, and a 422 documented as a `{"detail": …}` body the
app never sends)."""

from __future__ import annotations

from app.main import create_app
from app.openapi import ErrorBody
from tests.fixtures.settings import make_settings


def test_every_operation_documents_its_error_answers_with_the_apps_error_body() -> None:
    document = create_app(make_settings()).openapi()

    operations = [op for path in document["paths"].values() for op in path.values()]
    assert operations
    for operation in operations:
        for status in ("422", "4XX", "503"):
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, operation
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ErrorBody"]["required"] == ["error"]
    ready = document["paths"]["/readyz"]["get"]["responses"]["503"]
    assert ready["description"] == "A dependency is unreachable."  # an operation's own words


def test_the_error_body_the_app_sends_is_the_documented_one() -> None:
    sent = {"error": {"code": "not_found", "message": "no cycle 7 in this shop", "details": {}}}
    assert ErrorBody.model_validate(sent).model_dump() == sent
