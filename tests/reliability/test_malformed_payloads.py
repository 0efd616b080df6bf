"""Malformed webhook bodies (tests/reliability/malformed.py) through the platforms'
normalisers: each is read into events a database can store, or refused with a
NormalisationError that says which field is wrong — never a TypeError or KeyError from deep
inside, which the worker would retry as if it were a passing fault."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings

from app.integrations.events import NormalisationError
from app.integrations.shopify import normalize as shopify
from app.integrations.woocommerce import normalize as woocommerce
from tests.reliability.malformed import malformed_delivery

NORMALISERS = {"shopify": shopify.normalise, "woocommerce": woocommerce.normalise}


@settings(
    max_examples=400,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(delivery=malformed_delivery())
def test_a_malformed_payload_is_read_or_refused_with_a_readable_error(
    delivery: tuple[str, str, dict[str, Any]],
) -> None:
    platform, topic, body = delivery
    # Anything but a NormalisationError (or events that fail `checked`) fails the test.
    with contextlib.suppress(NormalisationError):
        NORMALISERS[platform](topic, body, "EUR")
