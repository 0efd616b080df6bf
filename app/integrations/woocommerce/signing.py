"""Authenticating REST calls: basic auth over https; over plain http WooCommerce requires
OAuth 1.0a one-legged signing (HMAC-SHA256, key = consumer secret + "&", no token)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import quote

import httpx

from app.integrations.woocommerce.credentials import WooCommerceCredentials


def authenticate(request: httpx.Request, credentials: WooCommerceCredentials) -> httpx.Request:
    if request.url.scheme == "https":
        pair = f"{credentials.consumer_key}:{credentials.consumer_secret}".encode()
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        return request
    return sign_oauth1(
        request, credentials, timestamp=int(time.time()), nonce=secrets.token_hex(16)
    )


def sign_oauth1(
    request: httpx.Request, credentials: WooCommerceCredentials, *, timestamp: int, nonce: str
) -> httpx.Request:
    oauth = {
        "oauth_consumer_key": credentials.consumer_key,
        "oauth_nonce": nonce,
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": str(timestamp),
    }
    params = [*request.url.params.multi_items(), *oauth.items()]
    oauth["oauth_signature"] = oauth1_signature(
        request.method, _base_url(request.url), params, credentials.consumer_secret
    )
    url = request.url.copy_merge_params(oauth)
    return httpx.Request(request.method, url, headers=request.headers, content=request.content)


def oauth1_signature(
    method: str, base_url: str, params: list[tuple[str, str]], consumer_secret: str
) -> str:
    encoded = sorted((_encode(key), _encode(value)) for key, value in params)
    normalized = "&".join(f"{key}={value}" for key, value in encoded)
    base_string = "&".join([method.upper(), _encode(base_url), _encode(normalized)])
    digest = hmac.new(f"{consumer_secret}&".encode(), base_string.encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def _base_url(url: httpx.URL) -> str:
    return str(url.copy_with(query=None, fragment=None))


def _encode(value: str) -> str:
    return quote(value, safe="~-._")
