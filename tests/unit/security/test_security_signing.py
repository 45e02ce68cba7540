"""Signer: purpose-bound HMAC tokens with optional expiry, raising the caller's error."""

from __future__ import annotations

import pytest

from parley.errors import InvalidCursorError, InvalidRequestError
from parley.security import Keyring, Signer, generate_secret_key
from parley.security.signing import b64url_decode, b64url_encode


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.parse(generate_secret_key())


def test_sign_then_verify_returns_the_data(keyring: Keyring) -> None:
    signer = Signer(keyring, b"cursor")

    token = signer.sign({"position": "abc", "offset": 3})

    assert signer.verify(token) == {"position": "abc", "offset": 3}
    assert "=" not in token
    assert token.count(".") == 1


def test_a_token_for_one_purpose_fails_for_another(keyring: Keyring) -> None:
    token = Signer(keyring, b"cursor").sign({"a": 1})

    with pytest.raises(InvalidRequestError):
        Signer(keyring, b"webhook").verify(token)


def test_a_tampered_payload_raises_the_callers_error(keyring: Keyring) -> None:
    signer = Signer(keyring, b"cursor")
    payload, mac = signer.sign({"offset": 3}).split(".")
    forged = b64url_encode(b64url_decode(payload).replace(b"3", b"9"))

    with pytest.raises(InvalidCursorError) as caught:
        signer.verify(f"{forged}.{mac}", error=InvalidCursorError, param="next_cursor")

    assert caught.value.code == "invalid_cursor"
    assert caught.value.param == "next_cursor"


@pytest.mark.parametrize("garbage", ["", ".", "abc", "a.b.c", "!!.??", "é.é", "x" * 20_000])
def test_garbage_raises_the_callers_error(keyring: Keyring, garbage: str) -> None:
    with pytest.raises(InvalidCursorError):
        Signer(keyring, b"cursor").verify(garbage, error=InvalidCursorError)


def test_expired_tokens_are_refused(keyring: Keyring) -> None:
    clock = Clock()
    signer = Signer(keyring, b"state", clock=clock)
    token = signer.sign({"a": 1}, expires_in=60)

    assert signer.verify(token) == {"a": 1}
    clock.now += 61
    with pytest.raises(InvalidRequestError, match="expired"):
        signer.verify(token)


def test_tokens_signed_with_an_older_key_still_verify() -> None:
    old, new = generate_secret_key(), generate_secret_key()
    token = Signer(Keyring.parse(old), b"cursor").sign({"a": 1})

    assert Signer(Keyring.parse(f"{new},{old}"), b"cursor").verify(token) == {"a": 1}
    with pytest.raises(InvalidRequestError):
        Signer(Keyring.parse(new), b"cursor").verify(token)


def test_repr_shows_no_key_material(keyring: Keyring) -> None:
    assert repr(Signer(keyring, b"cursor")) == "Signer(purpose=b'cursor')"
