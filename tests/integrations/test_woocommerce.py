"""WooCommerce's pure pieces: request signing, store URLs and the site's time zone."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, quote

import httpx
import pytest

from app.errors import BadRequest
from app.integrations.woocommerce.client import site_timezone
from app.integrations.woocommerce.credentials import WooCommerceCredentials
from app.integrations.woocommerce.signing import authenticate, sign_oauth1
from app.integrations.woocommerce.urls import require_store_url

KEYS = WooCommerceCredentials(consumer_key="ck_abc", consumer_secret="cs_xyz")


def test_https_uses_basic_auth() -> None:
    request = authenticate(httpx.Request("GET", "https://store.example/wp-json/wc/v3/orders"), KEYS)
    assert (
        request.headers["Authorization"] == "Basic " + base64.b64encode(b"ck_abc:cs_xyz").decode()
    )
    assert "oauth_signature" not in str(request.url)


def test_plain_http_is_signed_with_oauth1_in_the_query() -> None:
    request = httpx.Request("GET", "http://store.example/wp-json/wc/v3/orders?per_page=100&page=2")
    signed = sign_oauth1(request, KEYS, timestamp=1763900000, nonce="n0nce")
    query = dict(parse_qsl(signed.url.query.decode()))
    assert query["oauth_consumer_key"] == "ck_abc"
    assert query["oauth_signature_method"] == "HMAC-SHA256"
    assert "Authorization" not in signed.headers
    # What WooCommerce recomputes: METHOD & encoded URL & encoded sorted parameters, signed
    # with HMAC-SHA256 under "consumer_secret&" (spelled out here, independently).
    parameters = (
        "oauth_consumer_key=ck_abc&oauth_nonce=n0nce&oauth_signature_method=HMAC-SHA256"
        "&oauth_timestamp=1763900000&page=2&per_page=100"
    )
    url = quote("http://store.example/wp-json/wc/v3/orders", safe="")
    base = f"GET&{url}&{quote(parameters, safe='')}"
    digest = hmac.new(b"cs_xyz&", base.encode(), hashlib.sha256).digest()
    assert query["oauth_signature"] == base64.b64encode(digest).decode()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://Store.Example/", "https://store.example"),
        ("https://store.example/shop/", "https://store.example/shop"),
        ("http://localhost:8080", "http://localhost:8080"),
    ],
)
def test_store_urls_are_normalised(given: str, stored: str) -> None:
    assert require_store_url(given, allow_http=True) == stored


@pytest.mark.parametrize(
    "given", ["store.example", "ftp://store.example", "https://s.example/?x=1"]
)
def test_bad_store_urls_are_refused(given: str) -> None:
    with pytest.raises(BadRequest):
        require_store_url(given, allow_http=True)


def test_production_requires_https_stores() -> None:
    with pytest.raises(BadRequest):
        require_store_url("http://store.example", allow_http=False)


@pytest.mark.parametrize(
    ("index", "zone"),
    [
        ({"timezone_string": "America/New_York", "gmt_offset": "-5"}, "America/New_York"),
        ({"timezone_string": "", "gmt_offset": "-5"}, "Etc/GMT+5"),
        ({"timezone_string": "", "gmt_offset": 2}, "Etc/GMT-2"),
        ({"timezone_string": "", "gmt_offset": "5.5"}, "UTC"),
        ({}, "UTC"),
    ],
)
def test_site_timezone(index: dict[str, object], zone: str) -> None:
    assert site_timezone(index) == zone
