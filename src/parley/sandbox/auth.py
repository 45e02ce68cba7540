"""API tokens: which header forms are accepted and which user each token acts as."""

from __future__ import annotations

import threading

__all__ = ["TokenRegistry", "token_from_header"]


def token_from_header(value: str | None) -> str | None:
    """The token in `Authorization: <token>` or `Authorization: Bearer <token>`."""
    if value is None:
        return None
    text = value.strip()
    scheme, _, rest = text.partition(" ")
    if rest and scheme.lower() == "bearer":
        text = rest.strip()
    if not text or any(ch.isspace() for ch in text):
        return None
    return text


class TokenRegistry:
    """Accepted tokens, each bound to a user id; tokens can be added and revoked live."""

    def __init__(self, tokens: dict[str, int]) -> None:
        self._tokens = dict(tokens)
        self._lock = threading.Lock()

    def user_for(self, token: str | None) -> int | None:
        """The user a token acts as, or None when it is unknown or revoked."""
        if token is None:
            return None
        with self._lock:
            return self._tokens.get(token)

    def add(self, token: str, user_id: int) -> None:
        """Accept a token from now on."""
        with self._lock:
            self._tokens[token] = user_id

    def revoke(self, token: str) -> bool:
        """Stop accepting a token; False when it was not accepted."""
        with self._lock:
            return self._tokens.pop(token, None) is not None

    def snapshot(self) -> dict[str, int]:
        """Token -> user id."""
        with self._lock:
            return dict(self._tokens)
