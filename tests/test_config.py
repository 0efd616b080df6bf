from __future__ import annotations

import pytest

from app.config import DEV_SECRET_KEY, SettingsError, load_settings
from tests.fixtures.settings import make_settings

STRONG_SECRET = "x" * 48


def load(**values: object) -> object:
    return load_settings(_env_file=None, **values)


def test_defaults_are_the_embedded_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STOREOKR_DATABASE_URL", "STOREOKR_REDIS_URL", "STOREOKR_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.is_sqlite
    assert settings.database_url == "sqlite+aiosqlite:///./var/storeokr.db"
    assert settings.embedded_jobs
    assert settings.env == "development"
    assert not settings.json_logs


@pytest.mark.parametrize(
    "given",
    [
        "postgres://u:p@db:5432/shop",
        "postgresql://u:p@db:5432/shop",
        "postgresql+psycopg://u:p@db/shop",
    ],
)
def test_postgres_urls_are_pointed_at_asyncpg(given: str) -> None:
    url = make_settings(database_url=given).database_url
    assert url.startswith("postgresql+asyncpg://u:p@db")
    assert url.endswith("/shop")


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREOKR_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("STOREOKR_LOG_LEVEL", "debug")
    settings = load_settings(_env_file=None)
    assert settings.redis_url == "redis://cache:6379/0"
    assert not settings.embedded_jobs
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"env": "prod"}, "STOREOKR_ENV"),
        ({"database_url": "not a url"}, "STOREOKR_DATABASE_URL"),
        ({"database_url": "mysql://root@localhost/shop"}, "STOREOKR_DATABASE_URL"),
        ({"database_url": "postgresql://u@host"}, "STOREOKR_DATABASE_URL"),
        ({"redis_url": "localhost:6379"}, "STOREOKR_REDIS_URL"),
        ({"smtp_port": 0}, "STOREOKR_SMTP_PORT"),
        # Our queries read Order.checkoutToken, which Admin GraphQL has from 2026-07.
        ({"shopify_api_version": "2026-04"}, "STOREOKR_SHOPIFY_API_VERSION"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    values: dict[str, object], variable: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load(**values)
    message = str(raised.value)
    assert variable in message
    assert "\n" not in message


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(SettingsError, match="STOREOKR_SECRET_KEY"):
        load(env="production", secret_key=DEV_SECRET_KEY)
    with pytest.raises(SettingsError, match="STOREOKR_SECRET_KEY"):
        load(env="production", secret_key="short")


def test_production_starts_with_a_real_secret_and_logs_json() -> None:
    settings = make_settings(env="production", secret_key=STRONG_SECRET)
    assert settings.json_logs
    assert STRONG_SECRET not in repr(settings)
