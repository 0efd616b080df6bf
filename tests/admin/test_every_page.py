"""Acceptance (#22, 4): every admin page a merchant can reach, in English, Spanish and German,
holds no English sentence in Spanish or German and no SQL, setting name, identifier or
exception name in what it shows — what its `<details>` toggles hold included. The world has
failed webhooks and syncs whose stored errors hold SQL and exception names (the Operations page
says them in sentences) and a key result whose status dropped this week. The pages are the
app's own HTML routes (a new one is rendered here as soon as it exists: its path ids must then
be added to the world), plus the pages a refusal shows: signed out, a login link used twice,
not found (an object, a path, an id that is no id), too many requests."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import Request

from app.admin.limited import limited_page
from app.auth.bounce import BOUNCE_PATH, RELOAD_PARAM
from app.auth.cookies import SESSION_COOKIE
from app.metrics.catalogue import METRICS
from tests.admin.merchant_world import World, populate
from tests.admin.page_words import english_left, internals
from tests.admin.visible_text import Piece, visible_pieces
from tests.fixtures.stores import PUBLIC_URL, Connected
from tests.shops.test_access import login
from tests.webhooks.helpers import install

SHOP, NEW_SHOP = "every-page.myshopify.com", "every-page-new.myshopify.com"
LANGUAGES = ("en", "es", "de")
HTML = {"Accept": "text/html"}
# Further views of a page than its plain address: what a query opens.
VIEWS = {
    "/admin/initiatives": [{"new": "win_back"}],
    # every metric's definition and figures, as the editor shows them when it is chosen
    "/admin/okrs/metric-help": [{"metric_key": metric.key} for metric in METRICS],
}
# What a page needs in its query beyond its path ids.
QUERIES: dict[str, Callable[[World], dict[str, str]]] = {
    BOUNCE_PATH: lambda _world: {"shop": SHOP, RELOAD_PARAM: f"{PUBLIC_URL}/admin/okrs"},
    "/admin/okrs/metric-help": lambda world: {"cycle": world.ids["cycle"]},
}


def admin_pages(app: FastAPI) -> list[str]:
    """The path of every GET route of the admin that answers HTML (the app's route table)."""
    return sorted(
        str(context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(route := context.original_route, APIRoute)
        and "GET" in (route.methods or ())
        and route.endpoint.__module__.startswith("app.admin.")
        and getattr(route.response_class, "value", route.response_class) is HTMLResponse
    )


def addresses(path: str, world: World) -> list[str]:
    """The page's addresses: its path with the world's ids, plainly and in each view."""
    filled = path
    for name, value in world.ids.items():
        filled = filled.replace(f"{{{name}}}", value)
    assert "{" not in filled, f"{path}: give the world an object for it (merchant_world.py)"
    query = QUERIES[path](world) if path in QUERIES else {}
    views = [query] + [{**query, **view} for view in VIEWS.get(path, [])]
    return [f"{filled}?{urlencode(view)}" if view else filled for view in views]


async def refusals(connected: Connected, language: str) -> dict[str, str]:
    """The pages a refusal shows, in `language`."""
    anonymous = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=connected.app), base_url="http://storeokr.test"
    )
    async with anonymous:
        headers = {**HTML, "Accept-Language": language}
        pages = {
            "signed out": await anonymous.get("/admin/okrs", headers=headers),
            "login link used": await anonymous.get("/auth/login?token=never", headers=headers),
            "share link missing": await anonymous.get("/share/never", headers=headers),
            "unknown address": await anonymous.get("/admin/no-such-page", headers=headers),
            "address with no id": await anonymous.get("/admin/key-results/abc", headers=headers),
        }
        anonymous.cookies.set(SESSION_COOKIE, "no-longer-valid")
        pages["session ended"] = await anonymous.get("/admin/okrs", headers=headers)
    found = await connected.client.get(f"/admin/key-results/999999?locale={language}")
    pages["not found"] = found
    assert pages["unknown address"].status_code == pages["address with no id"].status_code == 404
    texts = {name: answer.text for name, answer in pages.items()}
    scope = {"type": "http", "app": connected.app, "method": "GET", "path": "/share/x",
             "query_string": b"", "headers": [(b"accept-language", language.encode())]}  # fmt: skip
    texts["too many requests"] = bytes(limited_page(Request(scope), 30).body).decode()
    return texts


async def test_every_page_speaks_the_merchants_language_and_shows_no_internals(
    connected: Connected,
) -> None:
    shop = await install(connected, SHOP)
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        world = await populate(session, shop, runtime.settings)
    await login(connected, shop.id or 0)
    rendered: dict[str, dict[str, list[Piece]]] = {}
    for path in admin_pages(connected.app):
        for address in addresses(path, world):
            for language in LANGUAGES:
                separator = "&" if "?" in address else "?"
                answer = await connected.client.get(f"{address}{separator}locale={language}")
                assert answer.status_code == 200, (address, answer.status_code, answer.text[:300])
                # Read with every toggle open: what a merchant finds inside counts too.
                shown = visible_pieces(answer.text, opened=True)
                rendered.setdefault(address, {})[language] = shown
    for language in LANGUAGES:
        for name, html in (await refusals(connected, language)).items():
            rendered.setdefault(name, {})[language] = visible_pieces(html)
    newcomer = await install(connected, NEW_SHOP)  # no cycle yet: the guided start
    await login(connected, newcomer.id or 0)
    for language in LANGUAGES:
        answer = await connected.client.get(f"/?locale={language}")
        assert answer.status_code == 200
        rendered.setdefault("guided start", {})[language] = visible_pieces(answer.text)

    problems = []
    for page, by_language in rendered.items():
        english = {piece.text for piece in by_language["en"]}
        for language, pieces in by_language.items():
            problems += [f"{page} [{language}] {what}: {text!r}"
                         for what, text in internals(p.text for p in pieces)]  # fmt: skip
            if language != "en":
                left = english_left(language, english, pieces, world.names)
                problems += [f"{page} [{language}] English: {piece!r}" for piece in left]
    assert len(rendered) >= 25, sorted(rendered)
    assert problems == [], "\n".join(problems)
