from __future__ import annotations

import pytest

from app.crypto import SecretDecryptionError, Vault

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
