"""Cart link tokens and the carts they can rebuild (pure parts of `app.initiatives.cart_links`)."""

from __future__ import annotations

from pydantic import SecretStr

from app.initiatives.cart_links import CartLink, cart_token, items_of, read_cart_token
from app.integrations.base import CartItem
from tests.fixtures.stores import connection_settings


def test_a_token_names_its_link_and_survives_a_key_rotation() -> None:
    old = connection_settings()
    link = CartLink(3, 41, "wc-order:4183")
    token = cart_token(old, link)
    rotated = old.model_copy(
        update={"secret_key": SecretStr("a-new-secret-" * 4), "old_secret_keys": [old.secret_key]}
    )

    assert read_cart_token(old, token) == link
    assert read_cart_token(rotated, token) == link
    assert "4183" not in token.split(".")[2]  # encoded, though not secret


def test_an_altered_or_made_up_token_names_nothing() -> None:
    settings = connection_settings()
    token = cart_token(settings, CartLink(3, 41, "wc-order:4183"))
    shop, send, checkout, signature = token.split(".")
    other = cart_token(settings, CartLink(3, 41, "wc-order:4184")).split(".")[2]

    for forged in (
        f"4.{send}.{checkout}.{signature}",  # another shop
        f"{shop}.42.{checkout}.{signature}",  # another message
        f"{shop}.{send}.{other}.{signature}",  # another checkout
        token + "x",
        "",
    ):
        assert read_cart_token(settings, forged) is None


def test_only_a_cart_whose_every_line_names_its_product_is_rebuilt() -> None:
    lines = [
        {"title": "Beanie", "quantity": 1, "unit_price": "20.00", "product_id": "3312"},
        {"title": "Scarf", "quantity": 2, "product_id": "3320", "variant_id": "3324"},
    ]

    assert items_of(lines) == [CartItem("3312", None, 1), CartItem("3320", "3324", 2)]
    assert items_of([*lines, {"title": "Gift wrap", "quantity": 1}]) is None  # a fee-like line
    assert items_of([{"title": "Kept before products were", "quantity": 1}]) is None
    assert items_of([]) is None
    assert items_of(None) is None
