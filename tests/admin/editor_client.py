"""A signed-in cookie session on the admin through httpx, posting forms as a browser does
(with the page's CSRF token)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from app.shops.login_links import create_login_link
from app.shops.models import Shop
from tests.fixtures.stores import Connected
from tests.webhooks.helpers import install

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Admin:
    client: httpx.AsyncClient
    shop: Shop
    csrf_token: str = ""

    async def page(self, path: str) -> httpx.Response:
        response = await self.client.get(path)
        if found := _CSRF.search(response.text):
            self.csrf_token = found.group(1)
        return response

    async def post(self, path: str, fields: dict[str, str] | None = None) -> httpx.Response:
        data = {"csrf_token": self.csrf_token, **(fields or {})}
        return await self.client.post(path, data=data)


async def signed_in(connected: Connected, domain: str) -> Admin:
    shop = await install(connected, domain)
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        link = await create_login_link(session, runtime.settings, shop)
    await connected.client.get(link.removeprefix("https://storeokr.test"))
    admin = Admin(connected.client, shop)
    await admin.page("/admin/okrs")
    return admin


def error_next_to(html: str, form_key: str, field: str) -> str | None:
    """The error shown under a form's field (None when there is none), and only if the field
    points to it for screen readers."""
    element_id = f"{form_key}-{field}"
    described = re.search(rf'id="{element_id}"[^>]*aria-describedby="[^"]*{element_id}-error', html)
    found = re.search(rf'<p class="field-error" id="{element_id}-error">([^<]*)</p>', html)
    return found.group(1) if found and described else None
