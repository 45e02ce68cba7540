"""Scoped tokens: a short-lived credential that reads as one app user of one account.

`pst_` and a token of the `b"scoped-token"` signer (`security.signing`): base64url JSON of
the tenant, account, app user and the mapping's id, with its expiry, under an HMAC-SHA256.
Nothing is stored: the signature is the proof, the expiry its lifetime, and the mapping id
ties it to one incarnation of the mapping (deleted then created again, the old tokens see
nothing). A forged, altered or expired token is a 401.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from parley.errors import AuthenticationError, ParleyError

__all__ = [
    "MAX_TTL_SECONDS",
    "MIN_TTL_SECONDS",
    "SCOPED_TOKEN_PREFIX",
    "ScopedGrant",
    "ScopedTokens",
]

SCOPED_TOKEN_PREFIX = "pst_"
MIN_TTL_SECONDS, MAX_TTL_SECONDS = 60, 86_400


class TokenSigner(Protocol):
    """What scoped tokens need of `parley.security.signing.Signer`."""

    def sign(self, data: dict[str, object], *, expires_in: float | None = ...) -> str: ...

    def verify(
        self, token: str, *, error: type[ParleyError] = ..., param: str | None = ...
    ) -> dict[str, object]: ...


@dataclass(frozen=True)
class ScopedGrant:
    """Who a genuine, unexpired scoped token acts as."""

    tenant_id: str
    account_id: str
    app_user_id: str
    mapping_id: str


class ScopedTokens:
    """Mints and checks scoped tokens."""

    def __init__(self, signer: TokenSigner, *, clock: Callable[[], float] = time.time) -> None:
        self._signer = signer
        self._clock = clock

    def mint(self, grant: ScopedGrant, ttl_seconds: int) -> tuple[str, datetime]:
        """A token for `grant`, valid `ttl_seconds` from now, and when it expires."""
        expires = math.ceil(self._clock() + ttl_seconds)
        data: dict[str, object] = {
            "t": grant.tenant_id,
            "a": grant.account_id,
            "u": grant.app_user_id,
            "m": grant.mapping_id,
            "x": expires,
        }
        token = SCOPED_TOKEN_PREFIX + self._signer.sign(data)
        return token, datetime.fromtimestamp(expires, UTC)

    def verify(self, token: str) -> ScopedGrant:
        """The grant of a genuine, unexpired token (401 otherwise)."""
        if not token.startswith(SCOPED_TOKEN_PREFIX):
            raise _invalid()
        try:
            data = self._signer.verify(
                token.removeprefix(SCOPED_TOKEN_PREFIX), error=AuthenticationError
            )
        except AuthenticationError:
            raise _invalid() from None
        values = [data.get(k) for k in ("t", "a", "u", "m")]
        expires = data.get("x")
        if not all(isinstance(v, str) and v for v in values) or not isinstance(expires, int):
            raise _invalid()
        if self._clock() >= expires:
            raise AuthenticationError(
                "The scoped token has expired: mint a new one.", code="scoped_token_expired"
            )
        tenant, account, user, mapping = (str(v) for v in values)
        return ScopedGrant(tenant, account, user, mapping)


def _invalid() -> AuthenticationError:
    return AuthenticationError(
        "Invalid scoped token (forged, altered or not a Parley token).",
        code="invalid_scoped_token",
    )
