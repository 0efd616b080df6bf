"""Getting and keeping a Shopify access token: token exchange (embedded installs), the
authorization-code grant (installs started outside the admin) and refresh of expiring tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from app.config import Settings
from app.db import utcnow
from app.errors import BadRequest
from app.integrations import http as store_http
from app.integrations.base import StoreRejected
from app.integrations.shopify.credentials import ShopifyCredentials

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"


@dataclass(frozen=True)
class ShopifyApp:
    """The app's identity at Shopify, and where a shop's admin endpoints are."""

    api_key: str
    api_secret: str
    admin_url_template: str  # "https://{shop}" in production

    def admin_url(self, shop: str, path: str) -> str:
        return self.admin_url_template.format(shop=shop).rstrip("/") + path


def shopify_app(settings: Settings) -> ShopifyApp:
    return ShopifyApp(
        api_key=settings.shopify_api_key,
        api_secret=settings.shopify_api_secret.get_secret_value(),
        admin_url_template=settings.shopify_admin_url,
    )


def authorize_url(app: ShopifyApp, shop: str, scopes: str, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {"client_id": app.api_key, "scope": scopes, "redirect_uri": redirect_uri, "state": state}
    )
    return f"https://{shop}/admin/oauth/authorize?{query}"


# ShopifyAPI's `Session.validate_params`: a callback signed longer ago is a replay.
CALLBACK_MAX_AGE = timedelta(days=1)


def callback_hmac_is_valid(query: Iterable[tuple[str, str]], api_secrets: tuple[str, ...]) -> bool:
    """Shopify signs the callback query: hex HMAC-SHA256 over the other parameters, escaped,
    sorted and joined as `k=v&…` (ShopifyAPI's `Session.calculate_hmac`). Any of the app's
    secrets may have signed it (the old one during a rotation); compared in constant time."""
    params = list(query)
    given = [value for key, value in params if key == "hmac"]
    message = _signed_message([(key, value) for key, value in params if key != "hmac"])
    if len(given) != 1 or message is None:
        return False
    # Bytes, not str: compare_digest raises on a non-ASCII str (`hmac=%E9`).
    given_bytes = given[0].encode("utf-8", "surrogatepass")
    return any(
        hmac.compare_digest(_hex_hmac(secret, message).encode(), given_bytes)
        for secret in api_secrets
        if secret
    )


def callback_is_recent(query: Iterable[tuple[str, str]], now: datetime) -> bool:
    """The signed `timestamp` (Unix seconds) is at most a day old; a callback without one,
    or with one that is not a number, is not."""
    stamps = [value for key, value in query if key == "timestamp"]
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit()):
        return False
    return int(stamps[0]) >= (now - CALLBACK_MAX_AGE).timestamp()


def _signed_message(params: list[tuple[str, str]]) -> str | None:
    """ShopifyAPI's `__encoded_params_for_signature`: `%` and `=` escaped in keys, `%` in
    values, then `&` in both, so no parameter can pass for two; `k[]` repeated is one
    parameter whose value is the JSON list of them. None when a plain key is repeated (a
    dict, as ShopifyAPI reads the query, would keep only one of them)."""
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        grouped.setdefault(key, []).append(value)
    pairs = []
    for key, values in grouped.items():
        if key.endswith("[]"):
            # ShopifyAPI strips with rstrip("[]"): every trailing bracket goes.
            name, value = key.rstrip("[]"), json.dumps(values)
        elif len(values) == 1:
            name, value = key, values[0]
        else:
            return None
        name = name.replace("%", "%25").replace("=", "%3D")
        pairs.append(f"{name}={value.replace('%', '%25')}".replace("&", "%26"))
    return "&".join(sorted(pairs))


def _hex_hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


async def exchange_code(
    http: httpx.AsyncClient, app: ShopifyApp, shop: str, code: str
) -> ShopifyCredentials:
    return await _token_request(http, app, shop, {"code": code, "expiring": "1"})


async def exchange_session_token(
    http: httpx.AsyncClient, app: ShopifyApp, shop: str, session_token: str
) -> ShopifyCredentials:
    return await _token_request(
        http,
        app,
        shop,
        {
            "grant_type": TOKEN_EXCHANGE_GRANT,
            "subject_token": session_token,
            "subject_token_type": ID_TOKEN_TYPE,
            "requested_token_type": OFFLINE_TOKEN_TYPE,
            "expiring": "1",
        },
    )


async def refresh(
    http: httpx.AsyncClient, app: ShopifyApp, shop: str, credentials: ShopifyCredentials
) -> ShopifyCredentials:
    if not credentials.refresh_token:
        raise StoreRejected(f"{shop}: the access token expired and there is no refresh token")
    return await _token_request(
        http, app, shop, {"grant_type": "refresh_token", "refresh_token": credentials.refresh_token}
    )


async def _token_request(
    http: httpx.AsyncClient, app: ShopifyApp, shop: str, fields: dict[str, str]
) -> ShopifyCredentials:
    body = {"client_id": app.api_key, "client_secret": app.api_secret, **fields}
    request = http.build_request(
        "POST",
        app.admin_url(shop, "/admin/oauth/access_token"),
        json=body,
        headers={"Accept": "application/json"},
    )
    requested_at = utcnow()
    response = await store_http.send(http, request)
    if response.status_code == 400:
        raise BadRequest(f"Shopify refused the token request for {shop}: {_reason(response)}")
    if response.status_code != 200:
        raise StoreRejected(f"Shopify answered {response.status_code} to the token request")
    return ShopifyCredentials.from_token_response(_json(response), requested_at)


def _json(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    if not isinstance(body, dict) or "access_token" not in body:
        raise StoreRejected("Shopify's token response has no access_token")
    return body


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or body)[:200]
    return str(body)[:200]
