from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from app.logs import (
    JsonFormatter,
    RedactSecrets,
    RequestIdFilter,
    TextFormatter,
    configure_logging,
    redact,
    request_id_var,
)


def record(message: str, **extra: object) -> logging.LogRecord:
    made = logging.makeLogRecord({"name": "app.test", "levelname": "INFO", "msg": message, **extra})
    RequestIdFilter().filter(made)
    return made


def test_json_line_carries_request_id_and_extra_fields() -> None:
    token = request_id_var.set("req-7")
    try:
        line = JsonFormatter().format(record("GET /healthz 200", status=200, duration_ms=1.5))
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "GET /healthz 200"
    assert entry["request_id"] == "req-7"
    assert entry["status"] == 200
    assert entry["duration_ms"] == 1.5
    assert entry["level"] == "INFO"
    assert "\n" not in line


def test_text_line_outside_a_request_has_no_id() -> None:
    line = TextFormatter().format(record("worker started"))
    assert line.endswith("app.test: worker started")


# A plain-http WooCommerce call as httpx logs it: OAuth 1.0a in the query, the signature
# percent-encoded.
WOO_CALL = (
    "HTTP Request: GET http://store.example/wp-json/wc/v3/orders?page=1"
    "&oauth_consumer_key=ck_0123456789abcdef&oauth_nonce=5f1e&oauth_signature_method=HMAC-SHA256"
    "&oauth_timestamp=1796133448&oauth_signature=3a5jG5z%2Ft9sQIeZfT9K%3D "
    '"HTTP/1.1 200 OK"'
)
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzaG9wIjoxfQ.c2lnbmF0dXJlLW9mLWEtdG9rZW4"


@pytest.mark.parametrize(
    ("line", "secrets", "kept"),
    [
        (
            WOO_CALL,
            ["ck_0123456789abcdef", "3a5jG5z%2Ft9sQIeZfT9K%3D"],
            ["store.example/wp-json/wc/v3/orders?page=1", "oauth_nonce=5f1e", "200 OK"],
        ),
        (
            "GET /auth/shopify/callback?code=abc123&hmac=9f8e7d&shop=a.myshopify.com&state=n0nce",
            ["abc123", "9f8e7d", "n0nce"],
            ["shop=a.myshopify.com"],
        ),
        (
            f"/api/v1/events?stream_token={JWT}&x=1 and /auth/return?user_id=n0nce&success=1",
            [JWT, "n0nce", "c2lnbmF0dXJl"],
            ["/api/v1/events?stream_token=", "x=1", "success=1"],
        ),
        (
            "headers: {'Authorization': 'Basic Y2s6Y3M=', 'X-Shopify-Access-Token': 'shpat_1f2e'}",
            ["Y2s6Y3M=", "shpat_1f2e"],
            ["'Authorization': '", "'X-Shopify-Access-Token': '"],
        ),
        (
            "[(b'x-shopify-hmac-sha256', b'q7Yz+ab/c='), (b'x-wc-webhook-signature', b'Zx9=')]",
            ["q7Yz+ab/c=", "Zx9="],
            ["x-shopify-hmac-sha256"],
        ),
        (
            "Authorization: Bearer opaque-token-value",
            ["opaque-token-value"],
            ["Authorization: "],
        ),
        (
            "WooCommerceCredentials(consumer_key='ck_9', consumer_secret='cs_9', key_id=1) "
            '{"access_token": "shpat_9", "refresh_token": "shprt_9", "scope": "read_orders"}',
            ["ck_9", "cs_9", "shpat_9", "shprt_9"],
            ["key_id=1", '"scope": "read_orders"'],
        ),
        (
            "GET /share/12.1796133448.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde/events 200",
            ["AbCdEfGhIjKlMnOp"],
            ["GET /share/…/events 200"],
        ),
    ],
)
def test_redact_removes_secrets_and_keeps_the_rest(
    line: str, secrets: list[str], kept: list[str]
) -> None:
    redacted = redact(line)

    for secret in secrets:
        assert secret not in redacted
    for part in kept:
        assert part in redacted
    assert redact(redacted) == redacted  # a second pass (root handler after httpx's) is a no-op


@pytest.mark.parametrize(
    "line",
    [
        "job commerce.sync_chunk failed (attempt 1 of 5), retrying in 0.05s",
        "store.example answered 503; retrying in 0.5s",
        "a cookie, a state and a code: words, not secrets",
        "GET /admin/okrs 200",
        # The demo's line, to be opened by whoever runs it.
        "demo dashboard (one-time login link): http://127.0.0.1:8000/auth/login?token=0ne-t1me",
    ],
)
def test_redact_leaves_ordinary_lines_alone(line: str) -> None:
    assert redact(line) == line


def test_the_filter_redacts_arguments_exception_and_extra_fields() -> None:
    try:
        raise ValueError(f"store refused {WOO_CALL}")
    except ValueError:
        made = logging.makeLogRecord(
            {
                "name": "httpx",
                "levelname": "INFO",
                "msg": "HTTP Request: %s %s",
                "args": ("GET", "http://store.example/?oauth_signature=s1gned"),
                "exc_info": sys.exc_info(),
                "url": "http://store.example/?consumer_secret=cs_extra",
            }
        )

    assert RedactSecrets().filter(made)

    line = JsonFormatter().format(made)
    assert made.getMessage() == "HTTP Request: GET http://store.example/?oauth_signature=[redacted]"
    assert made.args is None
    for secret in ("s1gned", "ck_0123456789abcdef", "cs_extra"):
        assert secret not in line
    assert "ValueError: store refused" in json.loads(line)["exception"]


def test_configured_logging_redacts_on_its_handler_and_at_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("DEBUG", json_lines=False)
        logging.getLogger("app.anything").info("opened %s", f"/share/1.2.{'s' * 43}")
        logging.getLogger("httpx").info("HTTP Request: %s", WOO_CALL)
    finally:
        root.handlers[:], root.level = handlers, level

    printed = stream.getvalue()
    assert "opened /share/…" in printed
    assert "s" * 43 not in printed
    assert "ck_0123456789abcdef" not in printed
    assert any(isinstance(f, RedactSecrets) for f in logging.getLogger("httpx").filters)
