"""Shopify's pure pieces: the OAuth callback signature and the GraphQL throttle."""

from __future__ import annotations

from app.integrations.shopify.graphql import throttle_wait_seconds
from app.integrations.shopify.oauth import callback_hmac_is_valid

# Shopify's documented example (secret "hush").
DOC_QUERY = [
    ("code", "0907a61c0c8d55e99db179b68161bc00"),
    ("shop", "some-shop.myshopify.com"),
    ("timestamp", "1337178173"),
    ("hmac", "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20"),
]


def test_callback_hmac_matches_shopifys_example() -> None:
    assert callback_hmac_is_valid(DOC_QUERY, ("hush",))
    assert callback_hmac_is_valid(list(reversed(DOC_QUERY)), ("hush",))  # order does not matter


def test_callback_hmac_rejects_tampering_and_empty_secrets() -> None:
    tampered = [(k, "other-shop.myshopify.com" if k == "shop" else v) for k, v in DOC_QUERY]
    assert not callback_hmac_is_valid(tampered, ("hush",))
    assert not callback_hmac_is_valid(DOC_QUERY, ("",))
    assert not callback_hmac_is_valid(DOC_QUERY, ("not-hush",))
    assert not callback_hmac_is_valid([p for p in DOC_QUERY if p[0] != "hmac"], ("hush",))
    assert not callback_hmac_is_valid([*DOC_QUERY, ("hmac", "x")], ("hush",))


def test_throttled_answer_waits_for_the_bucket_to_refill() -> None:
    throttled = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {
            "cost": {
                "requestedQueryCost": 752,
                "actualQueryCost": None,
                "throttleStatus": {
                    "maximumAvailable": 1000.0,
                    "currentlyAvailable": 666,
                    "restoreRate": 50.0,
                },
            }
        },
    }
    assert throttle_wait_seconds(throttled) == (752 - 666) / 50.0
    assert throttle_wait_seconds({"data": {"shop": {}}}) is None
    assert throttle_wait_seconds({"errors": [{"extensions": {"code": "THROTTLED"}}]}) == 1.0
