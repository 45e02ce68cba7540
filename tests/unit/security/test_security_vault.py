"""Vault: envelope encryption bound to the owner, multi-key decrypt, re-encryption."""

from __future__ import annotations

import pytest

from parley.errors import ParleyError
from parley.security import Keyring, Vault, generate_secret_key


def _vault(*secrets: str) -> Vault:
    return Vault(Keyring.parse(",".join(secrets)))


def test_round_trip_returns_the_plaintext() -> None:
    vault = _vault(generate_secret_key())

    sealed = vault.encrypt(b"chorus-token-123", aad="account-1")

    assert vault.decrypt(sealed.ciphertext, aad="account-1") == b"chorus-token-123"
    assert sealed.key_id == vault.current_key_id
    assert b"chorus-token-123" not in sealed.ciphertext


def test_each_encryption_uses_fresh_randomness() -> None:
    vault = _vault(generate_secret_key())

    first = vault.encrypt(b"same", aad="a")
    second = vault.encrypt(b"same", aad="a")

    assert first.ciphertext != second.ciphertext


def test_json_round_trip() -> None:
    vault = _vault(generate_secret_key())

    sealed = vault.encrypt_json({"api_token": "t0k"}, aad="a")

    assert vault.decrypt_json(sealed.ciphertext, aad="a") == {"api_token": "t0k"}


def test_a_blob_moved_to_another_account_does_not_decrypt() -> None:
    vault = _vault(generate_secret_key())
    sealed = vault.encrypt(b"secret", aad="account-1")

    with pytest.raises(ParleyError) as caught:
        vault.decrypt(sealed.ciphertext, aad="account-2")

    assert caught.value.code == "credentials_undecryptable"
    assert "secret" not in caught.value.message.replace("credentials", "")


def test_a_different_master_key_cannot_decrypt() -> None:
    blob = _vault(generate_secret_key()).encrypt(b"secret", aad="a").ciphertext

    with pytest.raises(ParleyError) as caught:
        _vault(generate_secret_key()).decrypt(blob, aad="a")

    assert caught.value.code == "unknown_secret_key"


def test_a_forged_key_id_does_not_decrypt() -> None:
    old, new = generate_secret_key(), generate_secret_key()
    vault = _vault(new, old)
    blob = bytearray(_vault(old).encrypt(b"secret", aad="a").ciphertext)
    kid_start = 2
    blob[kid_start : kid_start + 8] = vault.current_key_id.encode()

    with pytest.raises(ParleyError) as caught:
        vault.decrypt(bytes(blob), aad="a")

    assert caught.value.code == "credentials_undecryptable"


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x02" + b"\x00" * 100, b"\x01\x08" + b"x" * 20])
def test_garbage_is_refused_cleanly(blob: bytes) -> None:
    with pytest.raises(ParleyError) as caught:
        _vault(generate_secret_key()).decrypt(blob, aad="a")

    assert caught.value.code == "credentials_undecryptable"


def test_a_tampered_ciphertext_does_not_decrypt() -> None:
    vault = _vault(generate_secret_key())
    blob = bytearray(vault.encrypt(b"secret", aad="a").ciphertext)
    blob[-1] ^= 1

    with pytest.raises(ParleyError):
        vault.decrypt(bytes(blob), aad="a")


def test_every_listed_key_decrypts_and_the_first_encrypts() -> None:
    old, new = generate_secret_key(), generate_secret_key()
    old_blob = _vault(old).encrypt(b"old-secret", aad="a").ciphertext
    rotated = _vault(new, old)

    assert rotated.decrypt(old_blob, aad="a") == b"old-secret"
    assert rotated.encrypt(b"x", aad="a").key_id == _vault(new).current_key_id


def test_reencrypt_moves_a_blob_to_the_current_key() -> None:
    old, new = generate_secret_key(), generate_secret_key()
    old_blob = _vault(old).encrypt(b"secret", aad="a").ciphertext
    rotated = _vault(new, old)

    resealed = rotated.reencrypt(old_blob, aad="a")

    assert resealed is not None
    assert rotated.key_id_of(resealed.ciphertext) == rotated.current_key_id
    assert _vault(new).decrypt(resealed.ciphertext, aad="a") == b"secret"
    assert rotated.reencrypt(resealed.ciphertext, aad="a") is None


def test_repr_shows_key_ids_only() -> None:
    secret = generate_secret_key()
    vault = _vault(secret)

    assert secret not in repr(vault)
    assert secret not in repr(vault.keyring)
    assert secret not in repr(vault.keyring.current)
    assert vault.current_key_id in repr(vault)
