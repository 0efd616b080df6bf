"""Acceptance (#18, 5) in a real browser: a survey built in the admin and switched on is active
through the API; its breakdown page renders the chart, and its responses page lists an answer.
The widget's snippet has a copy button."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Browser, expect
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_engine, utcnow
from app.initiatives.models import Initiative
from app.initiatives.surveys.answers import Respondent, answer
from app.initiatives.surveys.models import Channel
from app.initiatives.surveys.settings import survey_settings
from tests.admin.browser import signed_in_shop, unlabelled_controls, with_net_sales_key_result
from tests.fixtures.stores import connection_settings

SHOP = "surveys-browser.myshopify.com"


async def answered(initiative_id: int, scores: list[tuple[int, int]]) -> None:
    """Widget answers to the survey: (days ago, NPS score) each, one order each."""
    engine = create_engine(connection_settings())
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            survey = await session.get(Initiative, initiative_id)
            assert survey is not None
            settings = survey_settings(survey.settings)
            for number, (days_ago, score) in enumerate(scores):
                who = Respondent(survey, f"order-{number}", None, None, Channel.WIDGET, "en")
                lead = settings.lead.id
                await answer(
                    session, who, settings, {lead: score}, utcnow() - timedelta(days=days_ago)
                )
    finally:
        await engine.dispose()


async def test_a_survey_built_in_the_admin_and_switched_on_is_active_and_charted(
    server: str, browser: Browser
) -> None:
    context = await browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = await context.new_page()
    await page.goto(await signed_in_shop(server, SHOP, with_net_sales_key_result))
    await page.get_by_role("link", name="Surveys").click()
    form = page.locator("form[action='/admin/surveys']")
    await form.get_by_label("Name").fill("After the second order")
    await expect(form.get_by_label("Kind of question 1")).to_have_value("nps")
    await form.get_by_label("Kind of question 2").select_option("ces")
    await form.get_by_label("Question 2 in English").fill("How easy was your order?")
    await form.get_by_label("Question 2 in Spanish").fill("¿Qué tan fácil fue tu pedido?")
    await form.get_by_label("Question 2 in German").fill("Wie einfach war deine Bestellung?")
    await form.get_by_label("Days after the order").fill("5")
    await form.get_by_role("button", name="Create survey").click()
    await expect(page.get_by_role("heading", name="After the second order")).to_be_visible()
    assert await unlabelled_controls(page) == []
    survey_id = page.url.split("/admin/surveys/")[1].split("?")[0]

    switch = page.get_by_role("switch", name="Run “After the second order”")
    await expect(switch).to_have_attribute("aria-checked", "false")
    await switch.click()
    await expect(switch).to_have_attribute("aria-checked", "true")
    held = await (await page.request.get(f"{server}/api/v1/initiatives/{survey_id}")).json()
    assert (held["type"], held["status"]) == ("survey", "active")
    assert [q["kind"] for q in held["settings"]["questions"]] == ["nps", "ces"]
    assert held["settings"]["days_after"] == 5

    await expect(page.get_by_test_id("snippet-shopify")).to_contain_text("hmac_sha256")
    await page.get_by_role("button", name="Copy the Shopify snippet").click()
    await expect(page.get_by_role("button", name="Copied")).to_be_visible()
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert f'data-survey="{survey_id}"' in copied

    await answered(int(survey_id), [(15, 10), (8, 9), (8, 3), (1, 7)])
    await page.get_by_role("link", name="NPS and CES over time").click()
    chart = page.get_by_test_id("survey-chart").first.locator("svg")
    await expect(chart).to_be_visible()
    await expect(chart.locator("polyline.chart-values")).to_have_count(1)
    await expect(page.get_by_test_id("split")).to_contain_text("Promoters (9 to 10)")
    box = await chart.bounding_box()
    assert box is not None
    assert box["width"] > 300

    await page.go_back()
    await page.get_by_role("link", name="Responses").first.click()
    await expect(page.get_by_test_id("response")).to_have_count(4)
    await page.get_by_label("NPS answer").select_option("detractors")
    await page.get_by_role("button", name="Show").click()
    await expect(page.get_by_test_id("response")).to_have_count(1)
    assert await unlabelled_controls(page) == []
