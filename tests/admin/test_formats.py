"""A key result's numbers as the dashboard writes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.admin import formats, i18n
from app.admin.formats import kr_number
from app.okr.models import KeyResult, Source
from app.okr.scoring import KRType


def metric_kr(metric: str) -> KeyResult:
    return KeyResult(shop_id=1, objective_id=1, title="t", source=Source.METRIC,
                     metric_key=metric, kr_type=KRType.INCREASE_TO)  # fmt: skip


@pytest.mark.parametrize(
    ("metric", "value", "written"),
    [
        ("net_sales", Decimal("12345.6"), "€12,345.60"),
        ("orders", Decimal("1234"), "1,234"),
        ("checkout_conversion_rate", Decimal("0.2534"), "25.3%"),
        ("net_sales", None, "—"),
    ],
)
def test_metric_key_results_are_written_in_their_unit(
    metric: str, value: Decimal | None, written: str
) -> None:
    assert kr_number(value, metric_kr(metric), "EUR") == written


def test_manual_key_results_carry_their_own_unit() -> None:
    kr = KeyResult(shop_id=1, objective_id=1, title="Page load", source=Source.MANUAL,
                   kr_type=KRType.DECREASE_TO, unit="s")  # fmt: skip
    assert kr_number(Decimal("2.5"), kr, "EUR") == "2.50 s"
    assert kr_number(Decimal("1.000000"), kr, "EUR") == "1 s"  # #22: counts read whole


@pytest.mark.parametrize(
    ("locale", "money", "day"),
    [
        ("en_US", "€12,345.60", "Nov 30, 2026"),
        ("es_ES", "12.345,60\xa0€", "30 nov 2026"),
        ("de_DE", "12.345,60\xa0€", "30.11.2026"),
    ],
)
def test_money_and_days_follow_the_locale(locale: str, money: str, day: str) -> None:
    i18n.use(locale)
    try:
        assert kr_number(Decimal("12345.6"), metric_kr("net_sales"), "EUR") == money
        assert formats.day(date(2026, 11, 30)) == day
    finally:
        i18n.use(i18n.DEFAULT)
