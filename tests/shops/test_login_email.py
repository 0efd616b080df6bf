"""Login links by email, through a real SMTP server."""

from __future__ import annotations

import re

import pytest

from app.errors import AppError
from app.shops.login_links import email_login_link
from tests.fixtures.mail import Inbox
from tests.fixtures.stores import Connected
from tests.webhooks.helpers import install


async def test_login_link_is_emailed_to_the_store_admin(
    connected: Connected, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    settings = connected.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
    )
    shop = await install(connected, "mailed.myshopify.com")
    shop.email, shop.name = "owner@mailed.example", "Mailed Goods"

    async with connected.app.state.runtime.transaction() as session:
        sent_to = await email_login_link(session, settings, shop)

    assert sent_to == "owner@mailed.example"
    [message] = inbox.messages
    assert message["To"] == "owner@mailed.example"
    assert "Mailed Goods" in message["Subject"]
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    link = re.search(r"https://storeokr\.test(/auth/login\?token=\S+)", body.decode())
    assert link
    opened = await connected.client.get(link.group(1))
    assert opened.status_code == 303  # the emailed link signs in


async def test_without_smtp_the_error_says_what_to_set(connected: Connected) -> None:
    shop = await install(connected, "unmailed.myshopify.com")
    shop.email = "owner@unmailed.example"
    with pytest.raises(AppError, match="STOREOKR_SMTP_HOST"):
        async with connected.app.state.runtime.transaction() as session:
            await email_login_link(session, connected.settings, shop)
