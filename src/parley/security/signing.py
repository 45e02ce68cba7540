"""Tamper-evident tokens: compact base64url JSON plus an HMAC-SHA256 under a purpose key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from parley.errors import InvalidRequestError, ParleyError

if TYPE_CHECKING:
    from parley.security.keyring import Keyring

__all__ = ["Signer", "b64url_decode", "b64url_encode", "derive_key"]

# Far above any cursor or state token; refuses absurd inputs before parsing them.
_MAX_TOKEN_LENGTH = 16_384


def b64url_encode(data: bytes) -> str:
    """Unpadded urlsafe base64."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded (or padded) urlsafe base64; raises ValueError on garbage."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def derive_key(material: bytes, purpose: bytes) -> bytes:
    """A 32-byte key for one purpose (HKDF-SHA256), independent of every other purpose."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"parley/" + purpose).derive(
        material
    )


class Signer:
    """Signs small JSON objects with a key derived for one purpose (b"cursor", b"webhook", …)."""

    def __init__(
        self, keyring: Keyring, purpose: bytes, *, clock: Callable[[], float] = time.time
    ) -> None:
        # The first key signs; older keys still verify, so rotation does not break live tokens.
        self._keys = [derive_key(key.material, purpose) for key in keyring]
        self._purpose = purpose
        self._clock = clock

    def sign(self, data: Mapping[str, Any], *, expires_in: float | None = None) -> str:
        """A token carrying `data`, valid for `expires_in` seconds when given."""
        envelope: dict[str, Any] = {"d": dict(data)}
        if expires_in is not None:
            envelope["e"] = math.ceil(self._clock() + expires_in)
        payload = b64url_encode(json.dumps(envelope, separators=(",", ":")).encode())
        return f"{payload}.{b64url_encode(self._mac(self._keys[0], payload))}"

    def verify(
        self,
        token: str,
        *,
        error: type[ParleyError] = InvalidRequestError,
        param: str | None = None,
    ) -> dict[str, Any]:
        """The data of a genuine, unexpired token; otherwise raises `error`."""
        payload, mac = self._parts(token, error, param)
        if not any(hmac.compare_digest(mac, self._mac(key, payload)) for key in self._keys):
            raise error("The token is invalid or was tampered with.", param=param)
        try:
            envelope = json.loads(b64url_decode(payload))
        except ValueError:
            raise error("The token is invalid or was tampered with.", param=param) from None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("d"), dict):
            raise error("The token is invalid or was tampered with.", param=param)
        expires = envelope.get("e")
        if isinstance(expires, int | float) and self._clock() >= expires:
            raise error("The token has expired.", param=param)
        data: dict[str, Any] = envelope["d"]
        return data

    def _parts(self, token: str, error: type[ParleyError], param: str | None) -> tuple[str, bytes]:
        if len(token) > _MAX_TOKEN_LENGTH or not token.isascii() or token.count(".") != 1:
            raise error("The token is invalid or was tampered with.", param=param)
        payload, signature = token.split(".")
        try:
            return payload, b64url_decode(signature)
        except ValueError:
            raise error("The token is invalid or was tampered with.", param=param) from None

    @staticmethod
    def _mac(key: bytes, payload: str) -> bytes:
        return hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()

    def __repr__(self) -> str:
        return f"Signer(purpose={self._purpose!r})"
