"""Malformed webhook bodies, drawn by hypothesis from the platforms' documented shapes: one
real payload with some of its fields changed into what a broken plugin, a proxy or an attacker
with a leaked secret might send — a wrong type, a missing key, a huge or non-finite number, a
date that is not one, a currency that is not one."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from tests.fixtures.payloads import payload

# (platform, topic, fixture) for every shape the normalisers read.
SHAPES: list[tuple[str, str, str]] = [
    ("shopify", "orders/create", "shopify_order"),
    ("shopify", "orders/updated", "shopify_order_two_currencies"),
    ("shopify", "orders/cancelled", "shopify_order_cancelled"),
    ("shopify", "refunds/create", "shopify_refund"),
    ("shopify", "checkouts/create", "shopify_checkout"),
    ("shopify", "customers/update", "shopify_customer"),
    ("woocommerce", "order.created", "woocommerce_order"),
    ("woocommerce", "order.updated", "woocommerce_order_refunded"),
    ("woocommerce", "order.updated", "woocommerce_order_guest_draft"),
    ("woocommerce", "customer.updated", "woocommerce_customer"),
]

WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.just(10**400),  # a JSON number far beyond any column
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["NaN", "Infinity", "-inf", "1e999", "-1e-999", "0x10", "12,50", "€5"]),
    st.sampled_from(["2026-13-45T25:61:00Z", "yesterday", "0000-00-00", "2026-02-30", "9999"]),
    st.sampled_from(["", "EURO", "€", "eur", "XX", "12", "💶💶💶", "a\x00b", "x" * 5000]),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and list index in a payload, as a path from its root."""
    found: list[tuple[Any, ...]] = []
    children: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for key, child in children:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def changed(body: dict[str, Any], path: tuple[Any, ...], new: Any, *, remove: bool) -> None:
    parent: Any = body
    for key in path[:-1]:
        parent = parent[key]
    if remove and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = new


@st.composite
def malformed_payload(draw: st.DrawFn, fixture: str) -> dict[str, Any]:
    """The fixture with one to four of its fields replaced by a wrong value or removed."""
    body = copy.deepcopy(payload(fixture))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        every = paths(body)
        if not every:
            break
        path = draw(st.sampled_from(every))
        changed(body, path, draw(WRONG_VALUES), remove=draw(st.booleans()))
    return body


@st.composite
def malformed_delivery(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    platform, topic, fixture = draw(st.sampled_from(SHAPES))
    return platform, topic, draw(malformed_payload(fixture))
