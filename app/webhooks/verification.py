"""Webhook signatures: base64(HMAC-SHA256(secret, raw body)) on both platforms, compared in
constant time over the exact bytes received, before anything parses them."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def body_signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_is_valid(body: bytes, given: str | None, secrets: Iterable[str | None]) -> bool:
    """True when `given` signs `body` under one of `secrets`. An empty secret verifies
    nothing (an unconfigured app must not accept unsigned mail)."""
    if not given:
        return False
    # Bytes, not str: compare_digest raises on a non-ASCII str, and a header holds whatever
    # the sender put there.
    given_bytes = given.encode("utf-8", "surrogatepass")
    candidates = [secret for secret in secrets if secret]
    matches = [
        hmac.compare_digest(body_signature(secret, body).encode(), given_bytes)
        for secret in candidates
    ]
    return any(matches)
