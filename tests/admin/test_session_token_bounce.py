"""Inside the Shopify admin, a page loaded again without a usable session token (none in its
address, or an expired one) is refused and sent through Shopify's bounce page, which loads App
Bridge alone to come back with a fresh token; a bad token is refused as before."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import select

from app.admin.embedding.app_bridge import APP_BRIDGE_URL
from app.auth.bounce import BOUNCE_PATH, RELOAD_PARAM
from app.shops.models import Shop
from tests.admin.test_embedding import BAD_TOKENS, HOST, SHOP, embedded_load, first_script
from tests.fixtures.platforms import API_KEY, session_token
from tests.fixtures.stores import PUBLIC_URL, Connected
from tests.webhooks.helpers import install


def expired_token() -> str:
    return session_token(SHOP, expires_in=timedelta(minutes=-2))


SHOP_PARAMS = {"embedded": "1", "host": HOST, "shop": SHOP, "locale": "en"}


def refreshed_to(answer: httpx.Response) -> str:
    """Where the answer's `Refresh` header sends the frame."""
    match = re.fullmatch(r"0; url=(.+)", answer.headers.get("Refresh", ""))
    assert match is not None, answer.headers
    return match.group(1)


@pytest.mark.parametrize("path", ["/", "/admin/okrs"])
@pytest.mark.parametrize(
    "token_params",
    [lambda: {}, lambda: embedded_load(expired_token())],
    ids=["no token", "expired token"],
)
async def test_a_shopify_load_without_a_usable_token_is_bounced_for_a_fresh_one(
    connected: Connected, path: str, token_params: Callable[[], dict[str, str]]
) -> None:
    params = {**SHOP_PARAMS, **token_params(), "cycle": "7"}
    answer = await connected.client.get(path, params=params)

    assert answer.status_code == 401  # nothing is shown on the strength of an expired token
    assert answer.json()["error"]["code"] == "unauthorized"  # no page, no shop data
    assert SHOP not in answer.text
    bounce = urlsplit(refreshed_to(answer))
    assert bounce.path == BOUNCE_PATH
    query = {name: values[0] for name, values in parse_qs(bounce.query).items()}
    back = f"{PUBLIC_URL}{path}?embedded=1&host={HOST}&shop={SHOP}&locale=en&cycle=7"
    assert query == {**SHOP_PARAMS, RELOAD_PARAM: back}  # the address again, without id_token
    async with connected.app.state.runtime.transaction() as session:
        assert (await session.exec(select(Shop))).all() == []  # nothing installed


async def test_the_bounce_page_loads_app_bridge_alone_and_shows_nothing(
    connected: Connected,
) -> None:
    await install(connected, SHOP)
    answer = await connected.client.get("/admin/okrs", params=SHOP_PARAMS)

    page = await connected.client.get(refreshed_to(answer))

    assert page.status_code == 200
    assert first_script(page.text) == f'<script src="{APP_BRIDGE_URL}">'
    assert f'<meta name="shopify-api-key" content="{API_KEY}">' in page.text
    assert len(re.findall(r"<script", page.text)) == 1
    assert re.search(r"<body>\s*</body>", page.text)
    framing = f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    assert page.headers["Content-Security-Policy"] == framing


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"shop": SHOP, RELOAD_PARAM: "https://elsewhere.example/admin/okrs"}, RELOAD_PARAM),
        ({"shop": SHOP, RELOAD_PARAM: f"{PUBLIC_URL}.elsewhere.example/"}, RELOAD_PARAM),
        ({"shop": "elsewhere.example", RELOAD_PARAM: f"{PUBLIC_URL}/"}, "shop"),
    ],
    ids=["another site", "a lookalike host", "not a shop"],
)
async def test_the_bounce_page_sends_the_frame_nowhere_but_this_app(
    connected: Connected, params: dict[str, str], problem: str
) -> None:
    answer = await connected.client.get(BOUNCE_PATH, params={**SHOP_PARAMS, **params})

    assert answer.status_code == 400
    assert problem in answer.json()["error"]["message"]


BAD_BUT_NOT_EXPIRED = {name: token for name, token in BAD_TOKENS.items() if name != "expired"}


@pytest.mark.parametrize("make_token", BAD_BUT_NOT_EXPIRED.values(), ids=BAD_BUT_NOT_EXPIRED.keys())
async def test_a_bad_token_is_refused_without_a_bounce(
    connected: Connected, make_token: Callable[[], str]
) -> None:
    answer = await connected.client.get("/admin/okrs", params=embedded_load(make_token()))

    assert answer.status_code == 401
    assert "Refresh" not in answer.headers


async def test_requests_that_are_not_shopify_page_loads_are_not_bounced(
    connected: Connected,
) -> None:
    await install(connected, SHOP)
    bearer = {"Authorization": f"Bearer {expired_token()}"}
    no_host = {name: value for name, value in SHOP_PARAMS.items() if name != "host"}

    answers = [
        await connected.client.get("/admin/scorecard", params=SHOP_PARAMS, headers=bearer),
        await connected.client.post("/admin/okrs/cycles", params=SHOP_PARAMS, data={"year": "1"}),
        await connected.client.get("/admin/okrs", params=no_host),  # App Bridge could not start
        await connected.client.get("/admin/okrs", params={**SHOP_PARAMS, "embedded": "0"}),
    ]

    assert [answer.status_code for answer in answers] == [401] * len(answers)
    assert ["Refresh" in answer.headers for answer in answers] == [False] * len(answers)
