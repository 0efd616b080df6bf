"""Quiet hours in the shop's zone, and the signed unsubscribe tokens (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from pydantic import SecretStr

from app.messaging.addresses import address_digest, read_token, unsubscribe_token
from app.messaging.rules import quiet_until
from tests.fixtures.settings import make_settings

BERLIN = "Europe/Berlin"


def test_the_day_is_not_quiet() -> None:
    assert quiet_until(datetime(2026, 3, 10, 11, tzinfo=UTC), BERLIN) is None  # 12:00 there
    assert quiet_until(datetime(2026, 3, 10, 7, tzinfo=UTC), BERLIN) is None  # 08:00 sharp


def test_the_evening_waits_for_eight_the_next_morning_in_the_shops_zone() -> None:
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)  # 22:30 in Berlin
    assert quiet_until(evening, BERLIN) == datetime(2026, 3, 11, 7, tzinfo=UTC)
    assert quiet_until(evening, "America/New_York") is None  # 17:30 there


def test_the_small_hours_wait_for_eight_the_same_morning_across_a_clock_change() -> None:
    # 29 March 2026: Berlin moves to summer time at 02:00; 08:00 is then 06:00 UTC.
    night = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert quiet_until(night, BERLIN) == datetime(2026, 3, 29, 6, tzinfo=UTC)


def test_a_window_inside_one_day() -> None:
    at = datetime(2026, 3, 10, 2, tzinfo=UTC)
    assert quiet_until(at, "UTC", time(1), time(6)) == datetime(2026, 3, 10, 6, tzinfo=UTC)
    assert quiet_until(at, "UTC", time(3), time(6)) is None


def test_an_unsubscribe_token_names_the_shop_and_digest_and_survives_a_key_rotation() -> None:
    old = make_settings(secret_key=SecretStr("old-" + "k" * 40))
    token = unsubscribe_token(old, 7, " Lena@Example.com ", "de")
    assert "lena" not in token.lower()
    rotated = make_settings(
        secret_key=SecretStr("new-" + "k" * 40), old_secret_keys=[SecretStr("old-" + "k" * 40)]
    )
    reader = read_token(rotated, token)
    assert reader is not None
    assert (reader.shop_id, reader.language) == (7, "de")
    assert reader.address_digest == address_digest(7, "lena@example.com")
    assert address_digest(8, "lena@example.com") != reader.address_digest  # per shop


def test_an_altered_or_foreign_token_reads_as_nothing() -> None:
    settings = make_settings()
    token = unsubscribe_token(settings, 7, "lena@example.com", "en")
    shop, digest, language, signature = token.split(".")
    assert read_token(settings, f"8.{digest}.{language}.{signature}") is None
    assert read_token(settings, f"{shop}.{digest}.de.{signature}") is None
    assert read_token(settings, token + "x") is None
    other = make_settings(secret_key=SecretStr("z" * 48))
    assert read_token(other, token) is None
