"""Settings: one object, read from the environment (`STOREOKR_` prefix) and an optional `.env`.

Defaults are the embedded set-up (SQLite under ./var, jobs in-process) so that a laptop runs
the service with no configuration; production refuses to start on a development placeholder.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic import model_validator as _model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "STOREOKR_"
DEV_SECRET_KEY = "dev-only-secret-key-change-me-in-production"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/storeokr.db"
MIN_PRODUCTION_SECRET_LENGTH = 32

# The async driver each supported database is used through; other spellings are normalised.
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


OLDEST_SHOPIFY_API_VERSION = "2026-07"


class Settings(BaseSettings):
    """Everything configurable about a StoreOKR process."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = Field(default="", description="Empty: jobs, cron and live events in-process.")
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    # Previous secret keys, comma-separated: still decrypt stored secrets during a rotation.
    old_secret_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    public_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    shopify_api_key: str = ""
    shopify_api_secret: SecretStr = SecretStr("")
    # The app's previous client secret while Shopify rotates it: webhooks, install callbacks
    # and session tokens signed with it are still accepted until it is removed.
    shopify_old_api_secret: SecretStr = SecretStr("")
    shopify_scopes: str = (
        "read_orders,read_all_orders,read_customers,read_checkouts,write_discounts"
    )
    shopify_api_version: str = Field(default="2026-10", pattern=r"^\d{4}-\d{2}$")
    # Where a shop's Admin API lives; `{shop}` is its myshopify domain. The demo store and tests
    # point this at themselves (e.g. http://127.0.0.1:8100/{shop}).
    shopify_admin_url: str = "https://{shop}"
    # Store addresses on loopback, private, link-local or reserved networks are refused (a
    # store URL is somebody else's input); the demo, the tests and a store on the LAN of a
    # self-hoster need them.
    allow_private_store_addresses: bool = False
    # A Shopify webhook triggered longer ago than this is refused as a replay (Shopify retries
    # a failed delivery for about 4 hours).
    webhook_max_age_seconds: int = Field(default=48 * 3600, ge=300, le=30 * 24 * 3600)
    # A handled (or ignored) webhook's body is emptied this many days after receipt; its row,
    # with the delivery id that de-duplication needs, stays (`webhooks.prune_bodies`).
    webhook_body_retention_days: int = Field(default=30, ge=1, le=3650)
    # Requests per minute from one client address (or per shop for webhooks) on the public
    # endpoints; above it they get 429 with Retry-After. 0 turns the limit off.
    public_rate_limit_per_minute: int = Field(default=60, ge=0, le=100_000)
    webhook_rate_limit_per_minute: int = Field(default=60_000, ge=0, le=1_000_000)
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = True
    smtp_from: str = "StoreOKR <no-reply@localhost>"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    embedded_job_concurrency: int = Field(default=4, ge=1, le=64)
    job_max_tries: int = Field(default=5, ge=1, le=50)
    job_retry_base_seconds: float = Field(default=5.0, gt=0, le=3600)
    # A job running longer is cancelled (and retried). It also bounds how long arq waits before
    # another worker may take over the job of a worker that died.
    job_timeout_seconds: float = Field(default=120.0, ge=1, le=3600)

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("old_secret_keys", mode="before")
    @classmethod
    def _split_old_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix:// (or be empty)")
        return value

    @field_validator("shopify_api_version")
    @classmethod
    def _check_shopify_api_version(cls, value: str) -> str:
        # Our queries read `Order.checkoutToken`, which Admin GraphQL has from 2026-07 (its
        # changelog, "New checkoutToken field added to the Order object"): older ones refuse them.
        if value < OLDEST_SHOPIFY_API_VERSION:
            raise ValueError(f"must be {OLDEST_SHOPIFY_API_VERSION} or later")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @_model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.env != "production":
            return self
        secret = self.secret_key.get_secret_value()
        if secret == DEV_SECRET_KEY or len(secret) < MIN_PRODUCTION_SECRET_LENGTH:
            raise ValueError(
                f"{ENV_PREFIX}SECRET_KEY must be set to a random value of at least "
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters in production"
            )
        return self

    @cached_property
    def database(self) -> URL:
        return make_url(self.database_url)

    def public(self, path: str = "/") -> str:
        """The address of one of our paths as stores and browsers reach it (`public_url`)."""
        return str(self.public_url).rstrip("/") + path

    @property
    def shopify_api_secrets(self) -> tuple[str, ...]:
        """The client secrets a Shopify signature may be made with: the current one, then the
        previous one during a rotation. None without a current one (an empty secret verifies
        nothing, and an app without its secret is not configured)."""
        current = self.shopify_api_secret.get_secret_value()
        old = self.shopify_old_api_secret.get_secret_value()
        if not current:
            return ()
        return (current, old) if old and old != current else (current,)

    @property
    def is_sqlite(self) -> bool:
        return self.database.get_backend_name() == "sqlite"

    @property
    def embedded_jobs(self) -> bool:
        """True when jobs, cron and live events run inside the web process (no Redis)."""
        return not self.redis_url

    @property
    def json_logs(self) -> bool:
        if self.log_format == "auto":
            return self.env == "production"
        return self.log_format == "json"


def normalise_database_url(value: str) -> str:
    """Parse a database URL and point it at the async driver we use for its backend."""
    try:
        url = make_url(value.strip())
    except ArgumentError as error:
        raise ValueError(f"is not a database URL ({error})") from None
    backend = url.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"backend {backend!r} is not supported; use postgresql:// or sqlite://")
    if backend == "postgresql" and not url.database:
        raise ValueError("names no database (expected postgresql://user@host:5432/dbname)")
    return url.set(drivername=_ASYNC_DRIVERS[backend]).render_as_string(hide_password=False)


class SettingsError(Exception):
    """A setting is wrong; the message is one line naming the variable."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation failure into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


def describe_validation_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        name = f"{ENV_PREFIX}{field.upper()}" if field else "settings"
        problems.append(message if message.startswith(ENV_PREFIX) else f"{name}: {message}")
    return "invalid configuration: " + "; ".join(problems)
