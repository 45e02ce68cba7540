"""Envelope encryption of credentials: a random data key per secret, wrapped by a master key.

Blob layout (version 1), all AES-256-GCM:

    0x01 | len(key_id) | key_id | wrap_nonce(12) | wrapped data key(48) | nonce(12) | ciphertext

Both layers authenticate `aad` (the owning row's id), so a blob copied onto another row, or
re-labelled with another key id, fails to decrypt instead of leaking or confusing secrets.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from parley.config import Settings
from parley.errors import ParleyError
from parley.security.keyring import KEY_BYTES, Keyring
from parley.security.signing import Signer

__all__ = ["Sealed", "Vault"]

_VERSION = 1
_NONCE = 12
_WRAPPED = KEY_BYTES + 16  # the data key plus its GCM tag


@dataclass(frozen=True)
class Sealed:
    """An encrypted blob and the id of the master key that sealed it."""

    ciphertext: bytes
    key_id: str


class Vault:
    """Seals and opens secrets with the keyring; `reencrypt` moves a blob to the current key."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        """The vault of PARLEY_SECRET_KEY, or of the key file when that is unset."""
        return cls(Keyring.from_settings(settings))

    @property
    def keyring(self) -> Keyring:
        """The master keys (current first)."""
        return self._keyring

    @property
    def current_key_id(self) -> str:
        """The id of the key new blobs are sealed with."""
        return self._keyring.current.key_id

    def encrypt(self, plaintext: bytes, *, aad: str) -> Sealed:
        """Seal `plaintext` under a fresh data key, bound to `aad`."""
        master = self._keyring.current
        kid = master.key_id.encode("ascii")
        data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        wrap_nonce, nonce = os.urandom(_NONCE), os.urandom(_NONCE)
        wrapped = AESGCM(master.material).encrypt(wrap_nonce, data_key, _wrap_aad(kid, aad))
        body = AESGCM(data_key).encrypt(nonce, plaintext, _data_aad(aad))
        blob = bytes([_VERSION, len(kid)]) + kid + wrap_nonce + wrapped + nonce + body
        return Sealed(ciphertext=blob, key_id=master.key_id)

    def decrypt(self, ciphertext: bytes, *, aad: str) -> bytes:
        """Open a blob sealed for `aad` by any key of the keyring."""
        kid, wrap_nonce, wrapped, nonce, body = _split(ciphertext, aad)
        master = self._keyring.get(kid)
        if master is None:
            raise ParleyError(
                f"Credentials of {aad} are sealed with key {kid}, which is not configured; "
                "add that key back to PARLEY_SECRET_KEY (after the current one) and rotate.",
                code="unknown_secret_key",
            )
        try:
            data_key = AESGCM(master.material).decrypt(
                wrap_nonce, wrapped, _wrap_aad(kid.encode("ascii"), aad)
            )
            return AESGCM(data_key).decrypt(nonce, body, _data_aad(aad))
        except InvalidTag:
            raise _undecryptable(aad) from None

    def encrypt_json(self, data: Mapping[str, Any], *, aad: str) -> Sealed:
        """Seal a JSON object (e.g. credentials)."""
        return self.encrypt(json.dumps(dict(data), separators=(",", ":")).encode(), aad=aad)

    def decrypt_json(self, ciphertext: bytes, *, aad: str) -> dict[str, Any]:
        """Open a blob sealed by `encrypt_json`."""
        value = json.loads(self.decrypt(ciphertext, aad=aad))
        if not isinstance(value, dict):
            raise _undecryptable(aad)
        return value

    def key_id_of(self, ciphertext: bytes) -> str:
        """The id of the master key that sealed a blob (no decryption)."""
        return _split(ciphertext, "this blob")[0]

    def reencrypt(self, ciphertext: bytes, *, aad: str) -> Sealed | None:
        """The blob re-sealed with the current key, or None when it already uses it."""
        if self.key_id_of(ciphertext) == self.current_key_id:
            return None
        return self.encrypt(self.decrypt(ciphertext, aad=aad), aad=aad)

    def signer(self, purpose: bytes) -> Signer:
        """A signer whose key is derived from the master keys for one purpose."""
        return Signer(self._keyring, purpose)

    def __repr__(self) -> str:
        return f"Vault(key_ids={list(self._keyring.ids)!r})"


def _wrap_aad(kid: bytes, aad: str) -> bytes:
    return b"parley/v1/data-key\x00" + kid + b"\x00" + aad.encode()


def _data_aad(aad: str) -> bytes:
    return b"parley/v1/data\x00" + aad.encode()


def _undecryptable(aad: str) -> ParleyError:
    return ParleyError(
        f"Stored credentials of {aad} could not be decrypted (wrong key or tampered data).",
        code="credentials_undecryptable",
    )


def _split(blob: bytes, aad: str) -> tuple[str, bytes, bytes, bytes, bytes]:
    if len(blob) < 2 or blob[0] != _VERSION:
        raise _undecryptable(aad)
    kid_end = 2 + blob[1]
    wrap_end = kid_end + _NONCE + _WRAPPED
    if len(blob) < wrap_end + _NONCE + 16:
        raise _undecryptable(aad)
    try:
        kid = blob[2:kid_end].decode("ascii")
    except UnicodeDecodeError:
        raise _undecryptable(aad) from None
    return (
        kid,
        blob[kid_end : kid_end + _NONCE],
        blob[kid_end + _NONCE : wrap_end],
        blob[wrap_end : wrap_end + _NONCE],
        blob[wrap_end + _NONCE :],
    )
