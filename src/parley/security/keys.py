"""Bearer secrets (API keys, link tokens): random, shown once, stored as SHA-256 + a prefix."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

__all__ = [
    "API_KEY_PREFIX",
    "LINK_TOKEN_PREFIX",
    "GeneratedSecret",
    "generate_api_key",
    "generate_secret",
    "hash_secret",
    "lookup_prefix",
    "secret_matches",
]

API_KEY_PREFIX = "prl_"
LINK_TOKEN_PREFIX = "plt_"
# 32 random bytes -> 43 urlsafe characters: 256 bits, far beyond guessing.
_RANDOM_BYTES = 32
# Enough random characters to find the row and to recognise a key in a list, not to guess it.
_LOOKUP_CHARS = 8


@dataclass(frozen=True)
class GeneratedSecret:
    """A new secret: the plaintext (shown once, never printed), its lookup prefix and hash."""

    plaintext: str = field(repr=False)
    prefix: str
    digest: str


def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest stored instead of the secret (high entropy: no salt needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def lookup_prefix(secret: str) -> str:
    """The public prefix that finds the row of a secret (kind marker + a few random chars)."""
    marker, _, rest = secret.partition("_")
    return f"{marker}_{rest[:_LOOKUP_CHARS]}"


def secret_matches(secret: str, digest: str) -> bool:
    """Constant-time comparison of a presented secret with a stored digest."""
    return hmac.compare_digest(hash_secret(secret).encode(), digest.encode())


def generate_secret(marker: str) -> GeneratedSecret:
    """A fresh secret `marker` + 43 urlsafe random characters."""
    plaintext = marker + secrets.token_urlsafe(_RANDOM_BYTES)
    return GeneratedSecret(
        plaintext=plaintext, prefix=lookup_prefix(plaintext), digest=hash_secret(plaintext)
    )


def generate_api_key() -> GeneratedSecret:
    """A developer API key: `prl_` + 43 urlsafe random characters."""
    return generate_secret(API_KEY_PREFIX)
