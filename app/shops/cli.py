"""`storeokr shop …`: connect stores by hand, list them, sign in to their admin."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli_support import (
    DEMO_DATABASE,
    DEMO_SETTINGS,
    check_schema_or_exit,
    database_named,
    fail,
    run_or_exit,
    settings_or_exit,
    valid_or_exit,
)
from app.config import Settings
from app.crypto import Vault, random_token
from app.integrations.platforms import Platform
from app.integrations.shopify.credentials import ShopifyCredentials
from app.integrations.shopify.domains import require_shop_domain
from app.integrations.woocommerce.credentials import WooCommerceCredentials
from app.integrations.woocommerce.urls import require_store_url
from app.runtime import Runtime
from app.shops import repository, service
from app.shops.login_links import create_login_link, email_login_link
from app.shops.models import Shop, ShopStatus
from app.shops.tasks import finish_connection

shop_cli = typer.Typer(help="Connect stores and sign in to their admin.", no_args_is_help=True)
add_cli = typer.Typer(help="Connect a store with credentials made in its own admin.")
shop_cli.add_typer(add_cli, name="add")


DemoOption = Annotated[
    bool,
    typer.Option(
        "--demo",
        help="Read the database of `storeokr demo` started in this directory "
        f"({DEMO_DATABASE}), not STOREOKR_DATABASE_URL's.",
    ),
]


def _settings(demo: bool = False) -> Settings:
    if demo and not DEMO_DATABASE.exists():
        fail(f"no demo database at {DEMO_DATABASE.resolve()}: run `storeokr demo` here first")
    settings = settings_or_exit(**DEMO_SETTINGS) if demo else settings_or_exit()
    check_schema_or_exit(settings)
    return settings


@add_cli.command("shopify")
def add_shopify(
    domain: Annotated[str, typer.Option(help="The shop's myshopify.com domain.")],
    access_token: Annotated[str, typer.Option(help="The custom app's Admin API access token.")],
    api_secret: Annotated[str, typer.Option(help="The custom app's API secret (signs webhooks).")],
    scopes: Annotated[str, typer.Option(help="Scopes granted to the custom app.")] = "",
) -> None:
    """A single store whose admin created a custom app for StoreOKR."""
    settings = _settings()
    shop_domain = valid_or_exit(lambda: require_shop_domain(domain))
    credentials = ShopifyCredentials(access_token=access_token, scope=scopes)
    _connect(settings, Platform.SHOPIFY, shop_domain, credentials.to_json(), scopes, api_secret)


@add_cli.command("woocommerce")
def add_woocommerce(
    url: Annotated[str, typer.Option(help="The store's address, e.g. https://store.example.")],
    consumer_key: Annotated[str, typer.Option(help="REST API consumer key (ck_…).")],
    consumer_secret: Annotated[str, typer.Option(help="REST API consumer secret (cs_…).")],
) -> None:
    """A WooCommerce store, with REST API keys made in WooCommerce → Settings → Advanced."""
    settings = _settings()
    store = valid_or_exit(lambda: require_store_url(url, allow_http=settings.env != "production"))
    credentials = WooCommerceCredentials(consumer_key=consumer_key, consumer_secret=consumer_secret)
    secret = random_token(32)  # we sign our webhooks with a secret of our own
    _connect(settings, Platform.WOOCOMMERCE, store, credentials.to_json(), "read_write", secret)


def _connect(
    settings: Settings, platform: Platform, domain: str, credentials: str, scopes: str, secret: str
) -> None:
    """Store the connection, then finish it at once (shop details, webhooks) and report."""

    async def work(runtime: Runtime) -> Shop:
        async with runtime.transaction() as session:
            shop = await service.install(
                session,
                Vault.from_settings(settings),
                platform=platform,
                domain=domain,
                credentials=credentials,
                scopes=scopes,
                webhook_secret=secret,
            )
        return await _sync(runtime, shop)

    _report(run_or_exit(settings, work))


@shop_cli.command("list")
def list_shops(demo: DemoOption = False) -> None:
    """Every shop with its id, platform, status and domain (the database read: on stderr)."""
    settings = _settings(demo)

    async def work(runtime: Runtime) -> list[Shop]:
        async with runtime.transaction() as session:
            return await repository.list_shops(session)

    shops = run_or_exit(settings, work)
    for shop in shops:
        typer.echo(
            f"{shop.id}\t{shop.platform.value}\t{shop.status.value}\t{shop.domain}\t{shop.name}"
        )
    # stdout stays the list alone, for scripts; what was read goes to stderr.
    database = database_named(settings)
    typer.echo(f"{len(shops)} shop{'' if len(shops) == 1 else 's'} in {database}", err=True)
    if not shops and not demo and DEMO_DATABASE.exists():
        typer.echo(
            f"a `storeokr demo` keeps its shops in {DEMO_DATABASE.resolve()}: "
            "`storeokr shop list --demo` reads it",
            err=True,
        )


@shop_cli.command("login-link")
def login_link(
    shop_id: Annotated[int, typer.Argument(help="The shop's id (`storeokr shop list`).")],
    email: Annotated[
        bool, typer.Option("--email", help="Email it instead of printing it.")
    ] = False,
    to: Annotated[str | None, typer.Option(help="Address to email (default: the store's).")] = None,
    demo: DemoOption = False,
) -> None:
    """Print (or email) a one-time link, valid 30 minutes, that signs in to the shop's admin."""
    settings = _settings(demo)

    async def work(runtime: Runtime) -> str:
        async with runtime.transaction() as session:
            shop = await service.require_shop(session, shop_id)
            if email or to:
                return "login link sent to " + await email_login_link(session, settings, shop, to)
            return await create_login_link(session, settings, shop)

    typer.echo(run_or_exit(settings, work))


async def _sync(runtime: Runtime, shop: Shop) -> Shop:
    """Finish the connection now, so that a wrong key or address is reported here and then
    (the credentials stay saved: fix the store side and run the command again)."""
    async with runtime.transaction() as session:
        current = await service.require_shop(session, shop.id or 0)
        await finish_connection(runtime, session, current)
        return current


def _report(shop: Shop) -> None:
    if shop.status is not ShopStatus.ACTIVE:
        fail(f"the store refused these credentials; shop {shop.id} is not connected")
    typer.echo(
        f"connected shop {shop.id}: {shop.platform.value} {shop.domain} "
        f"({shop.name}, {shop.currency}, {shop.timezone}); webhooks subscribed"
    )


@shop_cli.command("rotate-secrets")
def rotate_secrets() -> None:
    """Re-encrypt every stored credential with STOREOKR_SECRET_KEY (after moving the old key
    to STOREOKR_OLD_SECRET_KEYS); then the old key can be dropped."""
    settings = _settings()

    async def work(runtime: Runtime) -> int:
        vault = Vault.from_settings(settings)
        async with runtime.transaction() as session:
            shops = await repository.list_shops(session)
            for shop in shops:
                service.reencrypt(vault, shop)
            return len(shops)

    typer.echo(f"re-encrypted the secrets of {run_or_exit(settings, work)} shops")
