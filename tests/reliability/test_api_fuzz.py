"""The API fuzzed from its own OpenAPI schema (schemathesis): every operation, called with a
valid App Bridge session token on a real PostgreSQL database holding a shop with a cycle, an
objective, a key result and an initiative, answers no 5xx, only status codes its schema
documents, and bodies that match it — with valid requests and with requests the schema says
are wrong.

CI runs a bounded, derandomized number of examples per operation (the same ones every run);
the longer profile is its own command (docs/reliability.md):
`STOREOKR_FUZZ_EXAMPLES=300 bash scripts/test tests/reliability/test_api_fuzz.py`."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.reliability.fuzz_data import SHOP, seed_shop

EXAMPLES = int(os.environ.get("STOREOKR_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Streams never end on their own and webhooks are signed deliveries, fuzzed on their own terms
# (tests/security/test_malformed_input.py, tests/reliability/test_malformed_payloads.py).
SKIPPED = {
    ("GET", "/api/v1/events"),
    ("POST", "/webhooks/shopify"),
    ("POST", "/webhooks/woocommerce"),
}


@dataclass
class Findings:
    """What the fuzzer found, operation by operation (all reported at once, not the first)."""

    problems: dict[str, str] = field(default_factory=dict)
    calls: int = 0


@pytest.fixture
async def seeded(connected: Connected) -> dict[str, int]:
    return await seed_shop(connected)


def operations(app_schema: dict[str, Any]) -> list[Any]:
    schema = schemathesis.openapi.from_dict(app_schema)
    found = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the app's own schema must load whole
        operation = result.ok()
        if (operation.method.upper(), operation.path) not in SKIPPED:
            found.append(operation)
    return found


def fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    path_parameters: dict[str, Any] | None,
    send: Any,
    findings: Findings,
) -> None:
    """Run in a thread: hypothesis draws the cases, the test's event loop sends them."""
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same cases every run: CI is repeatable
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # report the case as found, unshrunk: faster
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        # A fresh token each call: a slow run outlives a token's minute.
        headers = {"Authorization": f"Bearer {session_token(SHOP)}"}
        response = send(case, headers)
        findings.calls += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as failures:
            for failure in failures.exceptions:
                label = f"{operation.label} ({mode.value}): {failure.title}"
                findings.problems.setdefault(label, str(failures)[:2000])

    try:
        run()
    except Unsatisfiable:
        # Nothing in the operation can be wrong (no parameters, no body): no negative cases.
        if mode is not GenerationMode.NEGATIVE:
            raise


async def test_every_operation_answers_within_its_schema_and_never_5xx(
    connected: Connected, seeded: dict[str, int]
) -> None:
    loop = asyncio.get_running_loop()
    client = connected.client

    async def call(kwargs: dict[str, Any]) -> httpx.Response:
        return await client.request(**kwargs)

    def send(case: Any, headers: dict[str, str]) -> httpx.Response:
        kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
        kwargs = httpx_arguments(kwargs)
        return asyncio.run_coroutine_threadsafe(call(kwargs), loop).result(timeout=120)

    findings = Findings()
    for operation in operations(connected.app.openapi()):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            await asyncio.to_thread(fuzz_operation, operation, mode, None, send, findings)
        known = {name: seeded[name] for name in path_names(operation) if name in seeded}
        if known:  # the seeded rows too, or valid bodies would only ever meet a 404
            await asyncio.to_thread(
                fuzz_operation, operation, GenerationMode.POSITIVE, known, send, findings
            )

    assert findings.calls > 0
    assert not findings.problems, "\n\n".join(
        f"== {label}\n{text}" for label, text in findings.problems.items()
    )


def path_names(operation: Any) -> list[str]:
    return [parameter.name for parameter in operation.path_parameters]


def httpx_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis speaks `requests`' keywords; httpx names a raw body `content` and takes
    cookies as the header they are."""
    kwargs = {key: value for key, value in kwargs.items() if key not in ("timeout", "verify")}
    cookies = kwargs.pop("cookies", None) or {}
    if cookies:
        jar = "; ".join(f"{name}={value}" for name, value in cookies.items())
        kwargs["headers"] = {**kwargs.get("headers", {}), "Cookie": jar}
    if isinstance(kwargs.get("data"), (bytes, str)):
        kwargs["content"] = kwargs.pop("data")
    return kwargs
