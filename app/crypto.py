"""Encryption of stored secrets (store access tokens, API keys, webhook secrets).

Keys are derived from `STOREOKR_SECRET_KEY`; older keys listed in `STOREOKR_OLD_SECRET_KEYS`
still decrypt, so the secret can be rotated: set the new one, move the old one to the list, and
run `storeokr shop rotate-secrets` (re-encrypts every stored value with the new key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

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
    the key that encrypts stored secrets."""
    return hmac.new(
        settings.secret_key.get_secret_value().encode(), purpose, hashlib.sha256
    ).digest()
