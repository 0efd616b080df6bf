"""Every error a merchant sees is a sentence of their language beside its field (#22): no
pydantic English ("Field required"), no storage bound ("less than 100000000000000"), no
setting name (STOREOKR_SMTP_HOST) — while the JSON API keeps its own words."""

from __future__ import annotations

import pytest

from tests.admin.editor_client import error_next_to, signed_in
from tests.admin.test_digest import mailing, save, send_now
from tests.admin.test_digest import sign_in as digest_signed_in
from tests.admin.test_editor import a_cycle, an_objective, metric_kr
from tests.fixtures.stores import Connected

SHOP = "sentences.myshopify.com"


@pytest.mark.parametrize(
    ("locale", "sentence"),
    [("en", "Fill in this field."), ("es", "Rellene este campo."),
     ("de", "Füllen Sie dieses Feld aus.")],
)  # fmt: skip
async def test_a_blank_title_is_asked_for_in_the_pages_language(
    connected: Connected, locale: str, sentence: str
) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")

    refused = await admin.post(
        f"/admin/okrs/key-results?locale={locale}", metric_kr(objective_id, title="   ")
    )

    assert refused.status_code == 422
    assert error_next_to(refused.text, f"kr-new-{objective_id}", "title") == sentence
    assert "Field required" not in refused.text


async def test_a_number_beyond_what_is_stored_is_too_large_not_a_bound(
    connected: Connected,
) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")

    refused = await admin.post("/admin/okrs/key-results", metric_kr(objective_id, target="9" * 20))

    assert refused.status_code == 422
    error = error_next_to(refused.text, f"kr-new-{objective_id}", "target")
    assert error == "This number is too large."
    assert "100000000000000" not in refused.text


@pytest.mark.parametrize("locale", ["en", "es", "de"])
async def test_a_test_digest_without_an_email_server_says_so_without_the_settings_name(
    connected: Connected, locale: str
) -> None:
    who = await digest_signed_in(connected, f"no-mail-{locale}.myshopify.com", email=False)
    assert await save(connected, who, recipients="ana@example.com", weekday="0", hour="8") == 303
    assert not connected.app.state.runtime.settings.smtp_host  # no e-mail server

    refused = await send_now(connected, who, locale)

    assert refused.status_code == 503
    assert "STOREOKR" not in refused.text
    assert "SMTP" not in refused.text
    expected = {"en": "E-mail is not set up yet", "es": "El correo electrónico aún no está",
                "de": "E-Mail ist noch nicht eingerichtet"}[locale]  # fmt: skip
    assert expected in refused.text


async def test_the_digest_page_says_when_no_digest_can_leave(
    connected: Connected, monkeypatch: pytest.MonkeyPatch
) -> None:
    await digest_signed_in(connected, "no-mail-page.myshopify.com", email=False)

    without = await connected.client.get("/admin/digest")
    monkeypatch.setattr(connected.app.state, "runtime", mailing(connected, 2525))
    with_server = await connected.client.get("/admin/digest")

    assert 'data-testid="no-email"' in without.text
    assert "E-mail is not set up yet, so no digest can leave" in without.text
    assert 'data-testid="no-email"' not in with_server.text
