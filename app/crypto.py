"""Encryption of stored secrets (store access tokens, API keys, webhook secrets), and the keys
that sign our own tokens (session cookies, share links, stream tokens).

Keys are derived from `STOREOKR_SECRET_KEY`; older keys listed in `STOREOKR_OLD_SECRET_KEYS`
still decrypt and still verify, so the secret can be rotated: set the new one, move the old one
to the list, and run `storeokr shop rotate-secrets` (re-encrypts every stored value with the new
key). Tokens signed with the old key keep working until it is dropped from the list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import Any

import jwt
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from app.config import Settings

_KEY_CONTEXT = b"storeokr/stored-secrets/v1"


class SecretDecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def _fernet(secret: str) -> Fernet:
    # A stable 32-byte key per secret; the context keeps it apart from other uses of the secret.
    digest = hashlib.sha256(_KEY_CONTEXT + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class Vault:
    def __init__(self, current: str, previous: list[str] | None = None) -> None:
        self._fernet = MultiFernet([_fernet(current), *(_fernet(p) for p in previous or [])])

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        return cls(
            settings.secret_key.get_secret_value(),
            [old.get_secret_value() for old in settings.old_secret_keys],
        )

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise SecretDecryptionError(
                "a stored secret cannot be decrypted: was STOREOKR_SECRET_KEY changed without "
                "listing the old one in STOREOKR_OLD_SECRET_KEYS?"
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt with the current key (whichever configured key encrypted it)."""
        return self._fernet.rotate(ciphertext.encode()).decode()


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def derived_key(settings: Settings, purpose: bytes) -> bytes:
    """A signing key of its own for one purpose (a session cookie, a share link, a stream
    token), derived from the secret key: what one signs can never pass for another, nor for
    the key that encrypts stored secrets. Tokens are signed with this one."""
    return _derive(settings.secret_key, purpose)


def verification_keys(settings: Settings, purpose: bytes) -> list[bytes]:
    """The keys a token signed for `purpose` is checked against: the current key's first, then
    each old key's, so that rotating `STOREOKR_SECRET_KEY` (the old one moved to
    `STOREOKR_OLD_SECRET_KEYS`) leaves links and sessions working until the old key is dropped."""
    return [_derive(secret, purpose) for secret in (settings.secret_key, *settings.old_secret_keys)]


def _derive(secret: SecretStr, purpose: bytes) -> bytes:
    return hmac.new(secret.get_secret_value().encode(), purpose, hashlib.sha256).digest()


def decode_jwt(token: str, keys: Sequence[bytes], *, require: list[str]) -> dict[str, Any]:
    """The claims of an HS256 token signed with any of `keys` (tried in order); PyJWTError if
    none signed it, or if the one that did finds it expired or incomplete."""
    *others, last = keys
    for key in others:
        try:
            return _decode_hs256(token, key, require)
        except jwt.InvalidSignatureError:
            continue  # signed with a key further down the list, or forged
    return _decode_hs256(token, last, require)


def _decode_hs256(token: str, key: bytes, require: list[str]) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["HS256"], options={"require": require}
    )
    return claims
