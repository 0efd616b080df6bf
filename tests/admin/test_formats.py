"""A key result's numbers as the dashboard writes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.admin import formats, i18n
from app.admin.formats import kr_number
from app.okr.models import KeyResult, Source
from app.okr.scoring import KRType
from app.sharing.exports import measured


def metric_kr(metric: str) -> KeyResult:
    return KeyResult(shop_id=1, objective_id=1, title="t", source=Source.METRIC,
                     metric_key=metric, kr_type=KRType.INCREASE_TO)  # fmt: skip


@pytest.mark.parametrize(
    ("metric", "value", "written"),
    [
        ("net_sales", Decimal("12345.6"), "€12,345.60"),
        ("orders", Decimal("1234"), "1,234"),
        ("checkout_conversion_rate", Decimal("0.2534"), "25.3%"),
        ("checkout_conversion_rate", Decimal("0.15"), "15%"),  # #22: a typed 15 reads "15 %"
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


@pytest.mark.parametrize(
    ("locale", "value", "page", "cell"),
    [
        ("en_US", Decimal("0.1512345678901234567890123456"), "15.1%", "0.151"),
        ("de_DE", Decimal("0.1512345678901234567890123456"), "15,1\xa0%", "0.151"),
        ("es_ES", Decimal("0.15"), "15\xa0%", "0.15"),
        ("en_US", Decimal("0.15049"), "15%", "0.15"),
    ],
)
def test_a_rate_reads_to_the_same_tenth_of_a_percent_on_pages_and_in_the_csv(
    locale: str, value: Decimal, page: str, cell: str
) -> None:
    """#22: one rounding rule for the page and the export, not a division's 28 decimals."""
    kr = metric_kr("repeat_purchase_rate")
    i18n.use(locale)
    try:
        assert kr_number(value, kr, "EUR") == page
    finally:
        i18n.use(i18n.DEFAULT)
    assert measured(value, kr) == cell


def test_money_counts_and_manual_values_in_the_csv_have_the_pages_places() -> None:
    manual = KeyResult(shop_id=1, objective_id=1, title="Calls", source=Source.MANUAL,
                       kr_type=KRType.INCREASE_TO, unit="calls")  # fmt: skip
    third = Decimal(1) / Decimal(3)
    assert measured(Decimal(100) + third, metric_kr("net_sales")) == "100.33"
    assert measured(Decimal(12) + third, metric_kr("orders")) == "12"
    assert measured(Decimal(2) + third, manual) == "2.33"
    assert kr_number(Decimal(2) + third, manual, "EUR") == "2.33 calls"
    assert measured(None, manual) == ""
