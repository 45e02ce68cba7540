"""Master keys: parsing PARLEY_SECRET_KEY, and the private key file fallback."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from parley.config import Settings
from parley.errors import ParleyError
from parley.security import Keyring, Vault, generate_secret_key


def test_comma_separated_keys_keep_their_order() -> None:
    first, second = generate_secret_key(), generate_secret_key()

    keyring = Keyring.parse(f"{first}, {second}")

    assert len(keyring) == 2
    assert keyring.current.key_id == Keyring.parse(first).current.key_id
    assert keyring.ids[1] == Keyring.parse(second).current.key_id


def test_key_ids_are_short_and_stable() -> None:
    secret = generate_secret_key()

    assert Keyring.parse(secret).ids == Keyring.parse(secret).ids
    assert len(Keyring.parse(secret).current.key_id) == 8


def test_standard_and_unpadded_base64_are_accepted() -> None:
    raw = os.urandom(32)
    standard = base64.b64encode(raw).decode()
    unpadded = base64.urlsafe_b64encode(raw).decode().rstrip("=")

    assert Keyring.parse(standard).ids == Keyring.parse(unpadded).ids


@pytest.mark.parametrize("bad", ["", "not-a-key", base64.urlsafe_b64encode(b"short").decode()])
def test_malformed_keys_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ParleyError) as caught:
        Keyring.parse(f"{generate_secret_key()},{bad}" if bad else bad)

    assert caught.value.code == "invalid_secret_key"
    if bad:
        assert bad not in caught.value.message
        assert "Key 2" in caught.value.message


def test_a_duplicated_key_is_refused() -> None:
    secret = generate_secret_key()

    with pytest.raises(ParleyError, match="twice"):
        Keyring.parse(f"{secret},{secret}")


def _settings(key_file: Path) -> Settings:
    return Settings(secret_key=None, key_file=key_file)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_missing_key_file_is_generated_with_mode_0600(tmp_path: Path) -> None:
    key_file = tmp_path / "private" / "parley.key"

    vault = Vault.from_settings(_settings(key_file))

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Vault.from_settings(_settings(key_file)).current_key_id == vault.current_key_id
    assert list(key_file.parent.iterdir()) == [key_file]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_key_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    key_file = tmp_path / "parley.key"
    key_file.write_text(generate_secret_key())
    key_file.chmod(mode)

    with pytest.raises(ParleyError) as caught:
        Vault.from_settings(_settings(key_file))

    assert caught.value.code == "insecure_key_file"
    assert "chmod 600" in caught.value.message


def test_the_environment_key_wins_over_the_key_file(tmp_path: Path) -> None:
    secret = generate_secret_key()
    settings = Settings(secret_key=SecretStr(secret), key_file=tmp_path / "unused.key")

    vault = Vault.from_settings(settings)

    assert vault.current_key_id == Keyring.parse(secret).current.key_id
    assert not (tmp_path / "unused.key").exists()


def test_a_key_file_may_list_several_keys(tmp_path: Path) -> None:
    key_file = tmp_path / "parley.key"
    first, second = generate_secret_key(), generate_secret_key()
    key_file.write_text(f"{first}\n{second}\n")
    key_file.chmod(0o600)

    assert len(Keyring.from_settings(_settings(key_file))) == 2
