"""WooCommerce's shareable checkout link (WooCommerce 10.0+, `CheckoutLink`): a visit to
`{store}/checkout-link/?products=<id>:<quantity>,…` empties the visitor's cart, adds each
product (a variation by its own id), and redirects to the checkout page, keeping every other
parameter of the address (ours: the marker and `utm_*`, which Order Attribution then records as
the visit's entry page). An unknown product is left out with a notice; a cart left empty goes to
the cart page with an error. https://developer.woocommerce.com/docs/best-practices/urls-and-routing/checkout-urls
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from app.integrations.base import CartItem

PATH = "/checkout-link/"


def checkout_link(store: str, items: Sequence[CartItem], params: Sequence[tuple[str, str]]) -> str:
    """The link that fills a new cart with `items` on the store at `store` (its home URL)."""
    # The store keys the cart by id, a later pair replacing an earlier one: one pair per id.
    quantities: dict[str, int] = {}
    for item in items:
        added = item.variant_id or item.product_id
        quantities[added] = quantities.get(added, 0) + item.quantity
    products = ",".join(f"{added}:{quantity}" for added, quantity in quantities.items())
    query = urlencode([("products", products), *params], safe=":,")
    return f"{store.rstrip('/')}{PATH}?{query}"
