"""Bearer secrets: format, hashing, lookup prefix, constant-time match."""

from __future__ import annotations

import re

from parley.security import generate_api_key, generate_secret, hash_secret, secret_matches


def test_api_keys_are_prl_plus_at_least_32_urlsafe_characters() -> None:
    key = generate_api_key()

    assert re.fullmatch(r"prl_[A-Za-z0-9_-]{32,}", key.plaintext)
    assert key.plaintext.startswith(key.prefix)
    assert key.prefix.startswith("prl_")
    assert len(key.prefix) == 12


def test_keys_are_unique() -> None:
    assert len({generate_api_key().plaintext for _ in range(200)}) == 200


def test_the_stored_digest_is_sha256_of_the_key() -> None:
    key = generate_api_key()

    assert key.digest == hash_secret(key.plaintext)
    assert re.fullmatch(r"[0-9a-f]{64}", key.digest)
    assert key.plaintext not in key.digest


def test_matching_accepts_the_key_and_refuses_others() -> None:
    key = generate_api_key()

    assert secret_matches(key.plaintext, key.digest)
    assert not secret_matches(key.plaintext + "x", key.digest)
    assert not secret_matches(generate_api_key().plaintext, key.digest)


def test_repr_never_shows_the_plaintext() -> None:
    key = generate_secret("plt_")

    assert key.plaintext not in repr(key)
    assert key.plaintext.startswith("plt_")
