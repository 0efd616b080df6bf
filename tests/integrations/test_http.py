"""Outbound retries: what is retried, how long we wait, and what is not retried."""

from __future__ import annotations

import httpx
import pytest

from app.integrations.base import StoreUnauthorized, StoreUnavailable
from app.integrations.http import send


class Script:
    """A store that answers each request with the next scripted response."""

    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = list(responses)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def call(script: Script) -> tuple[httpx.Response, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        request = http.build_request("GET", "https://store.example/api")
        return await send(http, request, sleep=sleep), slept


async def test_429_honours_retry_after_then_succeeds() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200))
    response, slept = await call(script)
    assert response.status_code == 200
    assert slept == [2.0]


async def test_5xx_and_connection_errors_back_off_exponentially() -> None:
    script = Script(
        httpx.ConnectError("refused"), httpx.Response(503), httpx.Response(502), httpx.Response(200)
    )
    response, slept = await call(script)
    assert response.status_code == 200
    assert slept == [0.5, 1.0, 2.0]


async def test_gives_up_after_the_last_attempt() -> None:
    script = Script(*(httpx.Response(500) for _ in range(4)))
    with pytest.raises(StoreUnavailable, match="500 after 4 attempts"):
        await call(script)
    assert script.calls == 4


async def test_401_is_not_retried() -> None:
    script = Script(httpx.Response(401), httpx.Response(200))
    with pytest.raises(StoreUnauthorized):
        await call(script)
    assert script.calls == 1


async def test_client_errors_are_returned_not_retried() -> None:
    script = Script(httpx.Response(422, json={"errors": "bad"}))
    response, slept = await call(script)
    assert response.status_code == 422
    assert slept == []
