"""Our Shopify checks run beside Shopify's own libraries on the same valid and forged inputs,
and they must agree: ShopifyAPI (`shopify`: `session_token.decode_from_header` and the install
callback's `Session.validate_params`) and shopifyapp (`shopify_app`: webhook HMAC and App Home
session tokens, each with an old secret during a rotation)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest
import shopify
from shopify import session_token as shopify_session_token
from shopify_app import ShopifyApp

from app.db import utcnow
from app.errors import Unauthorized
from app.integrations.shopify.oauth import callback_hmac_is_valid, callback_is_recent
from app.integrations.shopify.session_token import verify_session_token
from app.webhooks.verification import signature_is_valid
from tests.fixtures.platforms import API_KEY, API_SECRET
from tests.fixtures.webhooks import sign

SHOP = "official.myshopify.com"
OLD_SECRET = "the-app-secret-before-the-rotation-0123456789"
OTHER_SECRET = "a-secret-that-is-not-this-apps-own-0123456789"

Params = dict[str, Any]  # as ShopifyAPI reads a query: `k[]` holds the list of its values


# Session tokens -------------------------------------------------------------------------------


def token_claims(**changes: object) -> dict[str, object]:
    """A session token's claims as Shopify issues them, now; a change to None drops a claim."""
    now = utcnow()
    claims: dict[str, object] = {
        "iss": f"https://{SHOP}/admin",
        "dest": f"https://{SHOP}",
        "aud": API_KEY,
        "sub": "42",
        "exp": now + timedelta(minutes=1),
        "nbf": now - timedelta(seconds=5),
        "iat": now - timedelta(seconds=5),
        "jti": "0b9a4b4c-1b1e-4b7e-9a1c-5e5f0e1d2c3b",
        "sid": "f1e2d3c4b5a6",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def session_token(secret: str = API_SECRET, **changes: object) -> str:
    return jwt.encode(token_claims(**changes), secret, algorithm="HS256")


def with_payload_of(token: str, other: str) -> str:
    """`token`'s header and signature around `other`'s claims: a forger's edit."""
    header, _, signature = token.split(".")
    return f"{header}.{other.split('.')[1]}.{signature}"


def unsigned_token() -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    payload = json.dumps(token_claims(), default=lambda moment: int(moment.timestamp()))
    body = base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode()
    return f"{header}.{body}."


def ours_accepts_token(token: str, secrets: tuple[str, ...] = (API_SECRET,)) -> bool:
    try:
        verify_session_token(token, API_KEY, secrets)
    except Unauthorized:
        return False
    return True


def shopify_api_accepts_token(token: str) -> bool:
    try:
        shopify_session_token.decode_from_header(f"Bearer {token}", API_KEY, API_SECRET)
    except shopify_session_token.SessionTokenError:
        return False
    return True


def shopify_app_accepts_token(token: str, old_secret: str | None = None) -> bool:
    """shopifyapp's App Home check of a fetch request (a session token in Authorization)."""
    verified = ShopifyApp(API_KEY, API_SECRET, old_secret).verify_app_home_req(
        {
            "method": "GET",
            "headers": {"Authorization": f"Bearer {token}"},
            "url": "https://storeokr.test/api/v1/shop",
            "body": "",
        },
        app_home_patch_id_token_path="/auth/patch-id-token",
    )
    return verified.ok


# Each token: whether it is valid, and whether shopifyapp judges it (it does not compare `iss`
# with `dest`, nor check that the issuer is a shop: ShopifyAPI and we do).
TOKENS: dict[str, tuple[Callable[[], str], bool, bool]] = {
    "valid": (lambda: session_token(), True, True),
    "signed_by_another_secret": (lambda: session_token(OTHER_SECRET), False, True),
    "expired": (lambda: session_token(exp=utcnow() - timedelta(minutes=2)), False, True),
    "not_yet_valid": (lambda: session_token(nbf=utcnow() + timedelta(minutes=2)), False, True),
    "for_another_app": (lambda: session_token(aud="another-app"), False, True),
    "unsigned_alg_none": (unsigned_token, False, True),
    "claims_edited_after_signing": (
        lambda: with_payload_of(session_token(), session_token(dest="https://other.myshopify.com")),
        False,
        True,
    ),
    "not_a_token": (lambda: "not.a-token", False, True),
    "issuer_and_destination_differ": (
        lambda: session_token(dest="https://other.myshopify.com"),
        False,
        False,
    ),
    "issuer_not_a_shop": (
        lambda: session_token(iss="https://evil.example/admin", dest="https://evil.example"),
        False,
        False,
    ),
}


@pytest.mark.parametrize("case", list(TOKENS))
def test_session_tokens_are_judged_as_shopifys_libraries_judge_them(case: str) -> None:
    build, valid, shopify_app_judges = TOKENS[case]
    token = build()

    verdicts = {"ours": ours_accepts_token(token), "ShopifyAPI": shopify_api_accepts_token(token)}
    if shopify_app_judges:
        verdicts["shopifyapp"] = shopify_app_accepts_token(token)

    assert verdicts == dict.fromkeys(verdicts, valid)


def test_a_session_token_signed_with_the_old_secret_passes_only_during_a_rotation() -> None:
    token = session_token(OLD_SECRET)

    assert ours_accepts_token(token, (API_SECRET, OLD_SECRET))
    assert shopify_app_accepts_token(token, old_secret=OLD_SECRET)
    assert not ours_accepts_token(token)
    assert not shopify_app_accepts_token(token)


# Webhooks -------------------------------------------------------------------------------------

BODY = b'{"id":820982911946154500,"email":"jon@example.com","total_price":"59.90"}'


def shopify_app_accepts_webhook(body: bytes, signature: str, old_secret: str | None) -> bool:
    headers = {"X-Shopify-Shop-Domain": SHOP, "X-Shopify-Topic": "orders/create"}
    if signature:
        headers["X-Shopify-Hmac-Sha256"] = signature
    verified = ShopifyApp(API_KEY, API_SECRET, old_secret).verify_webhook_req(
        {
            "method": "POST",
            "headers": headers,
            "url": "https://storeokr.test/",
            "body": body.decode(),
        }
    )
    return verified.ok


# Each delivery: the body received, its X-Shopify-Hmac-Sha256, whether it is valid.
DELIVERIES: dict[str, tuple[bytes, str, bool]] = {
    "valid": (BODY, sign(API_SECRET, BODY), True),
    "body_changed_after_signing": (BODY.replace(b"59.90", b"0.01"), sign(API_SECRET, BODY), False),
    "signed_by_another_secret": (BODY, sign(OTHER_SECRET, BODY), False),
    "signature_cut_short": (BODY, sign(API_SECRET, BODY)[:-4], False),
    "signature_missing": (BODY, "", False),
    "hex_instead_of_base64": (
        BODY,
        hmac.new(API_SECRET.encode(), BODY, hashlib.sha256).hexdigest(),
        False,
    ),
    "signature_of_an_empty_body": (BODY, sign(API_SECRET, b""), False),
}


@pytest.mark.parametrize("case", list(DELIVERIES))
def test_webhook_signatures_are_judged_as_shopifyapp_judges_them(case: str) -> None:
    body, signature, valid = DELIVERIES[case]

    ours = signature_is_valid(body, signature, [API_SECRET])
    official = shopify_app_accepts_webhook(body, signature, old_secret=None)

    assert (ours, official) == (valid, valid)


def test_a_webhook_signed_with_the_old_secret_passes_only_during_a_rotation() -> None:
    signature = sign(OLD_SECRET, BODY)

    assert signature_is_valid(BODY, signature, [API_SECRET, OLD_SECRET])
    assert shopify_app_accepts_webhook(BODY, signature, old_secret=OLD_SECRET)
    assert not signature_is_valid(BODY, signature, [API_SECRET])
    assert not shopify_app_accepts_webhook(BODY, signature, old_secret=None)


# The install callback -------------------------------------------------------------------------


@pytest.fixture
def shopify_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """ShopifyAPI keeps the app's secret on its Session class: set for this test only."""
    monkeypatch.setattr(shopify.Session, "secret", API_SECRET)


def signed(params: Params, secret: str = API_SECRET) -> Params:
    """`params` with the `hmac` ShopifyAPI computes for them (Shopify's own signer's rules)."""
    signer: Any = type("Signer", (shopify.Session,), {"secret": secret})
    return {**params, "hmac": signer.calculate_hmac(params)}


def pairs(params: Params) -> list[tuple[str, str]]:
    """The query as our endpoint reads it: every value of a `k[]` is a pair of its own."""
    return [
        (key, item)
        for key, value in params.items()
        for item in (value if isinstance(value, list) else [value])
    ]


def stamp(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def callback(**changes: Any) -> Params:
    params = {"code": "0907a61c0c8d55e99db179b68161bc00", "host": "YWRtaW4uc2hvcGlmeS5jb20v",
              "shop": SHOP, "state": "nonce-1", "timestamp": stamp(utcnow())}  # fmt: skip
    params.update(changes)
    return {key: value for key, value in params.items() if value is not None}


def forged_from(presented: Params, signed_params: Params) -> Params:
    """`presented` carrying the hmac that Shopify made for `signed_params`."""
    return {**presented, "hmac": signed(signed_params)["hmac"]}


# Forgeries of the escaping: with parameters joined naively, the presented query would make the
# same message as the signed one ("code=1&shop=…&state=…&timestamp=…").
def joined_by_an_ampersand_in_a_value() -> Params:
    real = callback(code="1")
    merged = f"1&host={real['host']}&shop={SHOP}&state={real['state']}"
    return forged_from({"code": merged, "timestamp": real["timestamp"]}, real)


def joined_by_an_equals_sign_in_a_key() -> Params:
    real = callback(code="1")
    merged_key = f"code=1&host={real['host']}&shop"
    presented = {merged_key: SHOP, "state": real["state"], "timestamp": real["timestamp"]}
    return forged_from(presented, real)


def percent_escape_passed_as_an_ampersand() -> Params:
    real = callback(code="1&evil")
    return forged_from({**real, "code": "1%26evil"}, real)


def hmac_in_capitals() -> Params:
    real = signed(callback())
    return {**real, "hmac": real["hmac"].upper()}


CALLBACKS: dict[str, tuple[Callable[[], Params], bool]] = {
    "valid": (lambda: signed(callback()), True),
    "valid_with_an_array_parameter": (lambda: signed(callback(**{"ids[]": ["1", "2"]})), True),
    "values_with_escaped_characters": (lambda: signed(callback(code="a%b&c=d")), True),
    "signed_23_hours_ago": (
        lambda: signed(callback(timestamp=stamp(utcnow() - timedelta(hours=23)))),
        True,
    ),
    "signed_two_days_ago": (
        lambda: signed(callback(timestamp=stamp(utcnow() - timedelta(days=2)))),
        False,
    ),
    "no_timestamp": (lambda: signed(callback(timestamp=None)), False),
    "shop_changed_after_signing": (
        lambda: {**signed(callback()), "shop": "other.myshopify.com"},
        False,
    ),
    "signed_by_another_secret": (lambda: signed(callback(), OTHER_SECRET), False),
    "hmac_in_capitals": (hmac_in_capitals, False),
    "no_hmac": (lambda: callback(), False),
    "hmac_not_ascii": (lambda: {**callback(), "hmac": "\N{REPLACEMENT CHARACTER}"}, False),
    "ampersand_in_a_value": (joined_by_an_ampersand_in_a_value, False),
    "equals_sign_in_a_key": (joined_by_an_equals_sign_in_a_key, False),
    "percent_escape_for_an_ampersand": (percent_escape_passed_as_an_ampersand, False),
}


@pytest.mark.usefixtures("shopify_api")
@pytest.mark.parametrize("case", list(CALLBACKS))
def test_install_callbacks_are_judged_as_shopify_api_validate_params_judges_them(
    case: str,
) -> None:
    build, valid = CALLBACKS[case]
    params = build()
    query = pairs(params)

    ours = callback_hmac_is_valid(query, (API_SECRET,)) and callback_is_recent(query, utcnow())
    official = bool(shopify.Session.validate_params(params))

    assert (ours, official) == (valid, valid)


def test_a_callback_timestamp_that_is_not_a_number_is_refused_where_shopify_api_raises() -> None:
    query = pairs(signed(callback(timestamp="soon")))

    assert callback_hmac_is_valid(query, (API_SECRET,))  # signed, and still refused:
    assert not callback_is_recent(query, utcnow())


def test_a_callback_signed_with_the_old_secret_passes_only_during_a_rotation() -> None:
    query = pairs(signed(callback(), OLD_SECRET))

    assert callback_hmac_is_valid(query, (API_SECRET, OLD_SECRET))
    assert not callback_hmac_is_valid(query, (API_SECRET,))
