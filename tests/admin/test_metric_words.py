"""The metric catalogue's names and definitions reach the admin's catalogues (#22): each is
marked in app/admin/metric_words.py exactly as the catalogue writes it, so a new or reworded
metric fails here until it is marked (and then test_translations until it is translated)."""

from __future__ import annotations

from app.admin import i18n, labels
from app.admin.metric_words import MESSAGES
from app.metrics.catalogue import METRICS


def test_every_metric_is_marked_for_translation_as_the_catalogue_writes_it() -> None:
    assert {metric.key: (metric.name, metric.definition) for metric in METRICS} == MESSAGES


def test_a_metric_reads_in_the_pages_language() -> None:
    i18n.use("de")
    try:
        assert labels.metric_name("repeat_purchase_rate") == "Wiederkaufrate"
        assert labels.metric_definition("discount_rate") == "Rabatte ÷ Bruttoumsatz."
    finally:
        i18n.use("en")
    assert labels.metric_name("repeat_purchase_rate") == "Repeat purchase rate"
    assert labels.metric_name("no_such_metric") == "no_such_metric"
