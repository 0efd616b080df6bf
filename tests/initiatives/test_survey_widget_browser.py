"""The survey widget's script in a real browser (Debian's chromium): on a thank-you page of the
shop's own origin it asks about a returning customer's order, and a click on a score and a
comment are recorded; on another origin's page the server refuses it (403) and nothing shows.
The pages are the store's, served by Playwright at their https origins; the script and its calls
go to the app on a real port (CORS headers: tests/initiatives/test_survey_widget.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from playwright.async_api import Browser, Page, Route, expect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Order
from app.db import create_engine, utcnow
from app.initiatives.models import Initiative, InitiativeStatus, InitiativeType
from app.initiatives.surveys.links import order_reference
from app.initiatives.surveys.models import SurveyResponse
from app.initiatives.surveys.settings import SurveySettings
from app.integrations.events import OrderState
from app.shops.models import Shop
from tests.admin.browser import signed_in_shop
from tests.fixtures.stores import connection_settings

SHOP = "widget-browser.myshopify.com"
STORE_HOST = "shop.example.com"  # the shop's custom domain, named in the survey's widget hosts
ORDER = "5550002"
APP = "https://storeokr.example"  # the app as the store's page reaches it


def order(shop_id: int, platform_id: str, days_ago: int) -> Order:
    placed = utcnow() - timedelta(days=days_ago)
    return Order(
        shop_id=shop_id, platform_id=platform_id, name=f"#{platform_id}", placed_at=placed,
        platform_updated_at=placed, state=OrderState.OPEN, currency="EUR", gross=Decimal(40),
        discounts=Decimal(0), shipping=Decimal(0), tax=Decimal(0), total=Decimal(40),
        current_total=Decimal(40), customer_key="id:77",
    )  # fmt: skip


async def returning_customer(session: AsyncSession, shop: Shop) -> None:
    """An active survey whose widget answers on shop.example.com, and a customer's second
    order."""
    assert shop.id is not None
    settings = SurveySettings(widget_hosts=[STORE_HOST])
    session.add(
        Initiative(
            shop_id=shop.id, type=InitiativeType.SURVEY, name="Thank-you survey",
            settings=settings.model_dump(mode="json"), status=InitiativeStatus.ACTIVE,
            activated_at=utcnow() - timedelta(days=1),
        )
    )  # fmt: skip
    session.add_all([order(shop.id, "5550001", 40), order(shop.id, ORDER, 0)])


async def held() -> tuple[int, int, list[SurveyResponse]]:
    """The survey's shop and id, and its responses."""
    engine = create_engine(connection_settings())
    try:
        async with AsyncSession(engine) as session:
            survey = (await session.exec(select(Initiative))).one()
            found = (await session.exec(select(SurveyResponse))).all()
            return survey.shop_id, survey.id or 0, list(found)
    finally:
        await engine.dispose()


async def thank_you_page(page: Page, server_url: str, origin: str) -> None:
    """The store's thank-you page at `origin`, with the widget's snippet as the admin gives it
    (the order id signed as the store's server signs it). The app is reached at a public https
    name that Playwright forwards to its loopback port: Chromium keeps pages of public origins
    away from loopback addresses (Local Network Access), as it would keep a real store's page
    away from a developer's machine."""
    shop_id, survey_id, _ = await held()
    settings = connection_settings().model_copy(update={"public_url": server_url})
    reference = order_reference(settings, shop_id, survey_id, ORDER)
    html = (
        "<!doctype html><html><body><h1>Thank you for your order</h1>"
        f'<script src="{APP}/w/survey.js" data-survey="{survey_id}" '
        f'data-order="{reference}" async></script></body></html>'
    )

    async def store_page(route: Route) -> None:
        await route.fulfill(body=html, content_type="text/html")

    async def app(route: Route) -> None:
        forwarded = await route.fetch(url=route.request.url.replace(APP, server_url))
        await route.fulfill(response=forwarded)

    await page.route(f"{origin}/**", store_page)
    await page.route(f"{APP}/**", app)
    await page.goto(f"{origin}/checkouts/thank-you")


async def test_the_widget_asks_on_the_shops_page_and_records_a_click(
    server: str, browser: Browser
) -> None:
    await signed_in_shop(server, SHOP, returning_customer)
    page = await browser.new_page()
    await thank_you_page(page, server, f"https://{STORE_HOST}")
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("How likely are you to recommend us to a friend?")
    await dialog.get_by_role("button", name="9", exact=True).click()
    await dialog.get_by_role("textbox").fill("Quick and friendly")
    await dialog.get_by_role("button", name="Send my answers").click()
    await expect(dialog).to_contain_text("Thank you for your answers!")
    _, _, [response] = await held()
    assert (response.channel, response.nps) == ("widget", 9)
    assert response.comments == {"why": "Quick and friendly"}


async def test_the_widget_stays_silent_on_another_origins_page(
    server: str, browser: Browser
) -> None:
    await signed_in_shop(server, SHOP, returning_customer)
    page = await browser.new_page()
    async with page.expect_response(lambda r: "/questions" in r.url) as asked:
        await thank_you_page(page, server, "https://elsewhere.example")
    answer = await asked.value
    # (The CORS headers are not looked at here: Playwright answers a routed request's CORS
    # itself; tests/initiatives/test_survey_widget.py checks ours.)
    assert answer.status == 403
    await expect(page.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    await expect(page.get_by_role("dialog")).to_have_count(0)
    _, _, found = await held()
    assert found == []
