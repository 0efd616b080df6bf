"""The template's NPS key result is measured by our own surveys: a fixed bound (50 or above)
on the `nps` metric, its value today the last complete weeks' answers; without answers it is
added all the same, saying it fills in as they arrive — and scores nothing until they do, so
no status is shown for it — but a template whose key results all wait makes no objective."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics.models import SurveyScore
from app.okr import okr_templates
from app.okr.baselines import StartBasis
from app.okr.evaluation import evaluate_key_result
from app.okr.models import Cycle, KeyResult
from app.okr.scoring import Bands, KRType
from app.okr.template_fill import KRTemplate, TargetRule, suggest_key_result
from tests.fixtures.objects import create_shop
from tests.okr.history import with_checkouts, with_sales

TODAY = date(2026, 6, 17)  # a Wednesday: the last complete weeks end on Sunday 14 June
WEEKS = (date(2026, 5, 18), date(2026, 6, 14))  # the last four complete weeks
LOYALTY = okr_templates.BY_ID["loyalty"]


def nps_template() -> KRTemplate:
    [kr] = [kr for kr in LOYALTY.key_results if kr.metric_key == "nps"]
    return kr


async def a_shop(session: AsyncSession) -> tuple[int, Cycle]:
    """A shop that has traded since April (its history), with this year's cycle."""
    shop = await create_shop(session)
    shop_id = shop.id or 0
    await with_sales(session, shop_id, date(2026, 4, 1), TODAY - timedelta(days=1))
    cycle = Cycle(shop_id=shop_id, name="2026", start=date(2026, 1, 1), end=date(2026, 12, 31))
    session.add(cycle)
    await session.flush()
    return shop_id, cycle


async def with_answers(session: AsyncSession, shop_id: int, day: date, scores: list[int]) -> None:
    noon = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    held = len((await session.exec(select(SurveyScore.id))).all())
    session.add_all(
        SurveyScore(shop_id=shop_id, response_id=held + n, initiative_id=1, channel="widget",
                    nps=score, day=day, at=noon)
        for n, score in enumerate(scores)
    )  # fmt: skip
    await session.flush()


async def test_without_survey_answers_the_nps_key_result_is_added_saying_what_fills_it(
    session: AsyncSession,
) -> None:
    shop_id, cycle = await a_shop(session)
    kr = nps_template()

    suggestion = await suggest_key_result(session, shop_id, cycle, kr, TODAY)

    assert (kr.metric_key, kr.kr_type) == ("nps", KRType.STAY_ABOVE)
    assert suggestion.missing is None  # added: a bound needs no start
    assert (suggestion.start, suggestion.target) == (None, Decimal(50))
    assert suggestion.rule is TargetRule.BOUND
    assert suggestion.pending == kr.waiting
    assert "fills in as answers arrive" in str(suggestion.pending)


async def test_the_nps_starts_from_the_answers_of_the_last_complete_weeks(
    session: AsyncSession,
) -> None:
    shop_id, cycle = await a_shop(session)
    # Inside the weeks: 6 promoters, 2 passives, 2 detractors → NPS 40. Outside them: a
    # detractor before and one this week, which the weeks leave out.
    await with_answers(session, shop_id, WEEKS[0], [10, 9, 9, 8])
    await with_answers(session, shop_id, WEEKS[1], [10, 10, 9, 7, 3, 0])
    await with_answers(session, shop_id, WEEKS[0] - timedelta(days=1), [0])
    await with_answers(session, shop_id, TODAY - timedelta(days=1), [0])

    suggestion = await suggest_key_result(session, shop_id, cycle, nps_template(), TODAY)
    objective = await okr_templates.apply(session, shop_id, cycle, LOYALTY, TODAY)

    assert (suggestion.start, suggestion.target) == (Decimal(40), Decimal(50))
    assert (suggestion.basis, suggestion.rule) == (StartBasis.RECENT_WEEKS, TargetRule.BOUND)
    assert suggestion.pending is None
    assert objective is not None  # the NPS alone fills the loyalty objective
    [made] = (await session.exec(select(KeyResult).where(KeyResult.shop_id == shop_id))).all()
    assert (made.metric_key, made.kr_type, made.target) == ("nps", KRType.STAY_ABOVE, Decimal(50))
    assert (made.start_value, made.start_is_auto) == (Decimal(40), True)
    assert made.start_basis == StartBasis.RECENT_WEEKS


async def test_a_waiting_nps_key_result_is_added_beside_filled_ones_and_shows_no_status(
    session: AsyncSession,
) -> None:
    shop_id, cycle = await a_shop(session)
    await with_checkouts(session, shop_id, date(2026, 4, 1), TODAY - timedelta(days=1))

    objective = await okr_templates.apply(session, shop_id, cycle, LOYALTY, TODAY)

    assert objective is not None
    made = (await session.exec(select(KeyResult).where(KeyResult.shop_id == shop_id))).all()
    assert [kr.metric_key for kr in made] == ["abandoned_checkout_recovery_rate", "nps"]
    nps = made[1]
    assert (nps.start_value, nps.start_is_auto, nps.start_basis) == (None, False, None)
    status = await evaluate_key_result(session, shop_id, nps, cycle, TODAY, Bands())
    # No answers, no value: nothing scored, so no band, pace or status that could mislead.
    assert (status.value, status.score, status.band, status.pace, status.health) == (
        None, None, None, None, None,
    )  # fmt: skip
    assert status.target == 50


async def test_a_template_whose_key_results_all_wait_makes_no_objective(
    session: AsyncSession,
) -> None:
    shop_id, cycle = await a_shop(session)  # sales only: no customers, checkouts or answers

    objective = await okr_templates.apply(session, shop_id, cycle, LOYALTY, TODAY)

    assert objective is None
    assert (await session.exec(select(KeyResult).where(KeyResult.shop_id == shop_id))).all() == []
