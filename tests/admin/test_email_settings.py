"""The e-mail settings page (from the Initiatives section): the defaults in sentences and in the
page's locale, a saved change the JSON API reads back, and a refused form in Spanish and German
with each error next to its field and nothing saved."""

from __future__ import annotations

import re

from app.messaging.models import MessagingSettings
from app.runtime import Runtime
from app.shops.models import Shop
from tests.fixtures.stores import Connected
from tests.shops.test_access import login
from tests.webhooks.helpers import install

PAGE = "/admin/email-settings"


async def signed_in(connected: Connected, domain: str) -> tuple[int, str]:
    """A shop in Berlin named "Alpine Outfitters", signed in; (its id, the CSRF token)."""
    shop = await install(connected, domain)
    assert shop.id is not None
    async with connected.app.state.runtime.transaction() as session:
        held = await session.get(Shop, shop.id)
        assert held is not None
        held.name, held.email, held.timezone = (
            "Alpine Outfitters",
            "owner@alpine.example",
            "Europe/Berlin",
        )
    return shop.id, (await login(connected, shop.id))["X-CSRF-Token"]


def form(csrf: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "sender_name": "",
        "reply_to": "",
        "frequency_cap_hours": "24",
        "quiet_hours": "on",
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        **fields,
    }


async def stored(connected: Connected, shop_id: int) -> MessagingSettings | None:
    runtime: Runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        return await session.get(MessagingSettings, shop_id)


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="email-{field}-error">(.*?)</p>', html, re.S)
    assert found is not None, field
    return re.sub(r"<[^>]+>", "", found[1])


async def test_the_initiatives_list_links_to_the_page_which_shows_the_defaults(
    connected: Connected,
) -> None:
    await signed_in(connected, "defaults.myshopify.com")

    initiatives = await connected.client.get("/admin/initiatives")
    page = await connected.client.get(PAGE)

    assert f'href="{PAGE}"' in initiatives.text
    assert page.status_code == 200
    assert 'aria-current="page">Settings' in page.text
    assert 'placeholder="Alpine Outfitters"' in page.text
    assert 'placeholder="owner@alpine.example"' in page.text
    assert 'name="frequency_cap_hours" inputmode="numeric" value="24"' in page.text
    assert 'value="21:00"' in page.text
    assert 'value="08:00"' in page.text
    assert "At most one marketing e-mail per customer every 24 hours" in page.text
    # Times in the page's locale: English writes a twelve-hour clock.
    assert (
        "From 9:00\u202fPM to 8:00\u202fAM in the shop&#39;s time zone (Europe/Berlin)" in page.text
    )


async def test_a_saved_form_is_what_the_api_reads_and_the_page_says_in_german(
    connected: Connected,
) -> None:
    shop_id, csrf = await signed_in(connected, "saved.myshopify.com")

    saved = await connected.client.post(
        PAGE,
        params={"locale": "de"},
        data=form(
            csrf,
            sender_name="Lena von Alpine",
            reply_to="hallo@alpine.example",
            frequency_cap_hours="12",
            quiet_start="22:30",
            quiet_end="07:00",
        ),
    )
    page = await connected.client.get(PAGE, params={"locale": "de", "saved": "1"})
    api = await connected.client.get("/api/v1/messaging/settings")

    assert saved.status_code == 303
    assert "E-Mail-Einstellungen gespeichert." in page.text
    assert "Höchstens eine Marketing-E-Mail pro Kunde alle 12 Stunden" in page.text
    assert "Von 22:30 bis 07:00 in der Zeitzone des Shops (Europe/Berlin)" in page.text
    assert api.json() == {
        "sender_name": "Lena von Alpine",
        "reply_to": "hallo@alpine.example",
        "custom_sender_name": True,
        "custom_reply_to": True,
        "frequency_cap_hours": 12,
        "quiet_hours": True,
        "quiet_start": "22:30",
        "quiet_end": "07:00",
        "owner_alerts": False,  # its box was not ticked
    }
    row = await stored(connected, shop_id)
    assert row is not None


async def test_quiet_hours_switched_off_are_said_so(connected: Connected) -> None:
    _shop_id, csrf = await signed_in(connected, "nightly.myshopify.com")
    fields = form(csrf)
    del fields["quiet_hours"]

    saved = await connected.client.post(PAGE, data=fields)
    page = await connected.client.get(PAGE, params={"locale": "es"})

    assert saved.status_code == 303
    assert "Sin horario de silencio" in page.text
    assert 'name="quiet_hours" value="on" checked' not in page.text


async def test_a_refused_form_speaks_spanish_next_to_each_field_and_saves_nothing(
    connected: Connected,
) -> None:
    shop_id, csrf = await signed_in(connected, "refused.myshopify.com")

    answer = await connected.client.post(
        PAGE,
        params={"locale": "es"},
        data=form(
            csrf,
            sender_name="Alpine\nBcc: todos@example.com",
            reply_to="no es una dirección",
            frequency_cap_hours="7",
            quiet_start="25:00",
        ),
    )

    assert answer.status_code == 422
    html = answer.text
    assert error_of(html, "frequency_cap_hours") == (
        "Error: Elige un número entero de horas de 8 a 168."
    )
    assert "Escribe una dirección de correo" in error_of(html, "reply_to")
    assert "Usa como máximo 100 caracteres" in error_of(html, "sender_name")
    assert error_of(html, "quiet_start") == "Error: Elige una hora del día."
    assert 'aria-invalid="true" aria-describedby="email-frequency_cap_hours-error' in html
    assert 'value="no es una dirección"' in html  # what was typed, shown again
    assert await stored(connected, shop_id) is None


async def test_german_numbers_are_read_and_an_empty_window_is_refused(
    connected: Connected,
) -> None:
    shop_id, csrf = await signed_in(connected, "german.myshopify.com")

    fraction = await connected.client.post(
        PAGE, params={"locale": "de"}, data=form(csrf, frequency_cap_hours="12,5")
    )
    empty = await connected.client.post(
        PAGE, params={"locale": "de"}, data=form(csrf, quiet_start="22:00", quiet_end="22:00")
    )

    assert fraction.status_code == 422
    assert error_of(fraction.text, "frequency_cap_hours") == (
        "Fehler: Wähle eine ganze Zahl von Stunden von 8 bis 168."
    )
    assert empty.status_code == 422
    assert "Die Ruhezeit muss zu einer anderen Uhrzeit enden" in error_of(empty.text, "quiet_end")
    assert await stored(connected, shop_id) is None


async def test_a_post_without_the_csrf_token_is_refused(connected: Connected) -> None:
    shop_id, csrf = await signed_in(connected, "csrf.myshopify.com")
    fields = form(csrf, frequency_cap_hours="12")
    del fields["csrf_token"]

    answer = await connected.client.post(PAGE, data=fields)

    assert answer.status_code == 403
    assert await stored(connected, shop_id) is None
