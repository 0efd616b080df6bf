"""Logging: one line per record, JSON in production, readable text in development; every
record made while serving a request carries that request's id, and no record carries a secret
(credentials, signatures, tokens: see `redact`)."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


MASKED_SHARE_PATH = "/share/…"
REDACTED = "[redacted]"
_UNREDACTED = r"(?!\[redacted\])"  # so that redacting twice changes nothing more

# Query parameters and fields whose value is a credential, a signature or a one-time token:
# WooCommerce's OAuth 1.0a query (plain-http stores), REST keys and connection nonce
# (`user_id`), Shopify's install callback (`hmac`, `code`, `state`) and tokens, our stream
# tokens. Not a login link's `token`: it is used up by the request that carries it, and the
# demo logs its link on purpose, to be opened.
_SECRET_PARAMETERS = (
    "oauth_signature|oauth_consumer_key|consumer_key|consumer_secret|client_secret|hmac|"
    "signature|id_token|stream_token|access_token|refresh_token|code|state|user_id"
)
# In a URL's query (`?code=…&state=…`), and, for names no ordinary word shares, as a field of
# a dict, a repr or a form (`'access_token': '…'`, `consumer_secret=…`).
_IN_QUERY = re.compile(rf"(?i)([?&;](?:{_SECRET_PARAMETERS})=){_UNREDACTED}[^&#\s\"'<>]+")
_AS_FIELD = re.compile(
    r"(?i)(\b(?:oauth_signature|oauth_consumer_key|consumer_key|consumer_secret|client_secret|"
    r"id_token|stream_token|access_token|refresh_token|webhook_secret|api_secret|password)"
    rf"[\"']?\s*[:=]\s*[\"']?){_UNREDACTED}[^\s\"'&,;}})\]]+"
)
# Header values, as `Name: value` or inside a repr of a header list or dict.
_IN_HEADER = re.compile(
    r"(?i)(\b(?:authorization|proxy-authorization|x-shopify-access-token|"
    r"x-shopify-hmac-sha256|x-wc-webhook-signature|x-csrf-token|cookie|set-cookie)"
    r"(?:[\"']?\s*[:=]\s*|[\"']\s*,\s*)(?:b?[\"'])?+)"
    rf"(?:(?:basic|bearer|oauth)\s+)?{_UNREDACTED}[^\s\"',;}})\]]+"
)
# A JSON Web Token anywhere (Shopify session tokens, our cookies and stream tokens).
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# A share link's token is its key, for up to a year, and it sits in the path.
_SHARE_TOKEN = re.compile(r"/share/[^/\s?#\"'<>]+")


def redact(text: str) -> str:
    """`text` with every secret it visibly holds replaced (what a log line may keep)."""
    text = _JWT.sub(REDACTED, text)
    text = _IN_HEADER.sub(rf"\g<1>{REDACTED}", text)
    text = _IN_QUERY.sub(rf"\g<1>{REDACTED}", text)
    text = _AS_FIELD.sub(rf"\g<1>{REDACTED}", text)
    return _SHARE_TOKEN.sub(MASKED_SHARE_PATH, text)


class RedactSecrets(logging.Filter):
    """A safety net under every log line: the message, its arguments, an exception's text and
    any extra field are redacted before a handler formats them. (The code that logs should not
    put secrets there in the first place; this catches what a third-party library does.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: left for the handler to report
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


# Third-party loggers that write request lines of their own: httpx logs every outbound URL at
# INFO (a plain-http WooCommerce store's carries `oauth_consumer_key` and `oauth_signature`),
# httpcore its connections at DEBUG. A filter on the logger itself cleans the record where it
# is made, before any handler sees it (ours, uvicorn's, a test's or an error tracker's).
THIRD_PARTY_REQUEST_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


def redact_third_party_loggers() -> None:
    """Install RedactSecrets on the loggers of THIRD_PARTY_REQUEST_LOGGERS (once)."""
    for name in THIRD_PARTY_REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactSecrets) for existing in logger.filters):
            logger.addFilter(RedactSecrets())


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s%(rid)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.rid = f" [{request_id}]" if request_id else ""
        return super().format(record)


def configure_logging(level: str, *, json_lines: bool) -> None:
    """Route every logger (ours, uvicorn's, arq's) through one handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    redact_third_party_loggers()
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # Our middleware logs each request with its id; uvicorn's access line would repeat it.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # Alembic announces its context on every schema check (e.g. each /readyz).
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
