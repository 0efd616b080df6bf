from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from app.config import Settings
from app.crypto import SecretDecryptionError, Vault, decode_jwt, derived_key, verification_keys
from app.db import utcnow
from tests.fixtures.settings import make_settings

OLD, NEW = "old-secret-" + "o" * 32, "new-secret-" + "n" * 32


def test_round_trip_and_ciphertext_hides_the_value() -> None:
    vault = Vault(NEW)
    ciphertext = vault.encrypt("shpat_secret_token")
    assert "shpat_secret_token" not in ciphertext
    assert vault.decrypt(ciphertext) == "shpat_secret_token"


def test_rotation_keeps_old_values_readable_and_rewrites_them() -> None:
    stored = Vault(OLD).encrypt("ck_key")
    rotating = Vault(NEW, [OLD])
    assert rotating.decrypt(stored) == "ck_key"
    rewritten = rotating.rotate(stored)
    assert Vault(NEW).decrypt(rewritten) == "ck_key"  # the old key is no longer needed


def test_wrong_key_is_a_clear_error() -> None:
    stored = Vault(OLD).encrypt("ck_key")
    with pytest.raises(SecretDecryptionError, match="STOREOKR_OLD_SECRET_KEYS"):
        Vault(NEW).decrypt(stored)


def keyed(secret: str, *old: str) -> Settings:
    return make_settings(secret_key=secret, old_secret_keys=list(old))


def test_verification_keys_are_the_current_keys_then_each_old_ones() -> None:
    purpose = b"storeokr/test/v1"
    rotating = verification_keys(keyed(NEW, OLD), purpose)

    assert rotating == [derived_key(keyed(NEW), purpose), derived_key(keyed(OLD), purpose)]
    assert verification_keys(keyed(NEW, OLD), b"storeokr/other/v1")[0] != rotating[0]


def test_a_token_verifies_against_any_listed_key_and_no_other() -> None:
    now = utcnow()
    claims = {"shop": 7, "exp": now + timedelta(minutes=5)}
    old_key, new_key, other_key = (
        derived_key(keyed(secret), b"storeokr/test/v1") for secret in (OLD, NEW, "x" * 43)
    )
    signed_with_old = jwt.encode(claims, old_key, algorithm="HS256")

    assert decode_jwt(signed_with_old, [new_key, old_key], require=["exp"])["shop"] == 7
    with pytest.raises(jwt.InvalidSignatureError):
        decode_jwt(signed_with_old, [new_key, other_key], require=["exp"])


def test_an_expired_token_signed_with_an_old_key_is_expired_not_retried() -> None:
    claims = {"shop": 7, "exp": utcnow() - timedelta(minutes=5)}
    old_key = derived_key(keyed(OLD), b"storeokr/test/v1")
    new_key = derived_key(keyed(NEW), b"storeokr/test/v1")
    expired = jwt.encode(claims, old_key, algorithm="HS256")

    with pytest.raises(jwt.ExpiredSignatureError):
        decode_jwt(expired, [new_key, old_key], require=["exp"])
    with pytest.raises(jwt.MissingRequiredClaimError):
        decode_jwt(jwt.encode({"shop": 7}, old_key), [new_key, old_key], require=["exp"])
