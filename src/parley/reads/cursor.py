"""Opaque, signed list cursors carrying the provider's own position plus an offset in it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from parley.errors import InvalidCursorError, ParleyError

__all__ = ["CursorCodec", "CursorSigner", "CursorState", "filters_digest"]


class CursorSigner(Protocol):
    """What the codec needs of `parley.security.signing.Signer`."""

    def sign(self, payload: dict[str, Any]) -> str: ...

    def verify(
        self, token: str, *, error: type[ParleyError] = ..., param: str | None = ...
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class CursorState:
    """Where the next page starts: a provider position and how far into that page we were."""

    position: str | None
    offset: int


def filters_digest(account_id: str, resource: str, filters: Mapping[str, Any]) -> str:
    """A short digest binding a cursor to the account, resource and filters it was made for.

    A filter that was not given (None or an empty list, tuple or mapping) is left out, so
    "absent" and "not set" make the same cursor; an empty string was given, and counts.
    """
    given = {k: v for k, v in filters.items() if v is not None and v not in ((), [], {})}
    blob = json.dumps([account_id, resource, given], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class CursorCodec:
    """Encodes cursor states; a forged, foreign or stale cursor is a 400 `invalid_cursor`."""

    def __init__(self, signer: CursorSigner) -> None:
        self._signer = signer

    def encode(self, state: CursorState, digest: str) -> str:
        """The opaque cursor string for `state`."""
        return self._signer.sign({"p": state.position, "o": state.offset, "d": digest})

    def decode(self, token: str, digest: str) -> CursorState:
        """Verify and open a cursor made for the same account, resource and filters."""
        payload = self._signer.verify(token, error=InvalidCursorError, param="next_cursor")
        position, offset = payload.get("p"), payload.get("o")
        if payload.get("d") != digest:
            raise InvalidCursorError(
                "This cursor was issued for another account, resource or filter set; "
                "repeat the original query parameters with next_cursor.",
                param="next_cursor",
            )
        if not (position is None or isinstance(position, str)) or not isinstance(offset, int):
            raise InvalidCursorError("Malformed cursor.", param="next_cursor")
        if offset < 0:
            raise InvalidCursorError("Malformed cursor.", param="next_cursor")
        return CursorState(position=position, offset=offset)
