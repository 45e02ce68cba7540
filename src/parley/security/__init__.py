"""Security adapters: the credential vault, master keys, bearer-secret hashing and signing."""

from __future__ import annotations

from parley.security.keyring import Keyring, MasterKey, generate_secret_key, load_key_file
from parley.security.keys import (
    API_KEY_PREFIX,
    LINK_TOKEN_PREFIX,
    GeneratedSecret,
    generate_api_key,
    generate_secret,
    hash_secret,
    lookup_prefix,
    secret_matches,
)
from parley.security.signing import Signer, derive_key
from parley.security.vault import Sealed, Vault

__all__ = [
    "API_KEY_PREFIX",
    "LINK_TOKEN_PREFIX",
    "GeneratedSecret",
    "Keyring",
    "MasterKey",
    "Sealed",
    "Signer",
    "Vault",
    "derive_key",
    "generate_api_key",
    "generate_secret",
    "generate_secret_key",
    "hash_secret",
    "load_key_file",
    "lookup_prefix",
    "secret_matches",
]
