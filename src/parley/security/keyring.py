"""Master keys: parsed from PARLEY_SECRET_KEY or a private key file; the first one is current."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from parley.config import Settings
from parley.errors import ParleyError

__all__ = ["KEY_BYTES", "Keyring", "MasterKey", "generate_secret_key", "load_key_file"]

KEY_BYTES = 32
_SEPARATORS = re.compile(r"[\s,]+")
_GENERATE_HINT = (
    'generate one with: python -c "import base64, os; '
    'print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
)


def generate_secret_key() -> str:
    """A fresh master key: urlsafe base64 of 32 random bytes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _key_id(material: bytes) -> str:
    # A one-way, domain-separated fingerprint: names the key without revealing it.
    return hashlib.sha256(b"parley/key-id\x00" + material).hexdigest()[:8]


@dataclass(frozen=True)
class MasterKey:
    """One 32-byte master key and its short public id (the material never prints)."""

    key_id: str
    material: bytes = field(repr=False)

    @classmethod
    def from_bytes(cls, material: bytes) -> MasterKey:
        """Wrap raw key bytes, computing the key id."""
        if len(material) != KEY_BYTES:
            raise ParleyError(f"A master key must be {KEY_BYTES} bytes.", code="invalid_secret_key")
        return cls(key_id=_key_id(material), material=material)


def _decode(text: str, *, position: int, source: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        # altchars accept both alphabets: urlsafe (-_) and standard (+/) base64.
        material = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        material = b""
    if len(material) != KEY_BYTES:
        # The value itself never goes into the message.
        raise ParleyError(
            f"Key {position} in {source} is not urlsafe base64 of {KEY_BYTES} bytes; "
            f"{_GENERATE_HINT}",
            code="invalid_secret_key",
        )
    return material


class Keyring:
    """Ordered master keys: the first encrypts and signs, every one decrypts and verifies."""

    def __init__(self, keys: Sequence[MasterKey]) -> None:
        if not keys:
            raise ParleyError("At least one master key is needed.", code="invalid_secret_key")
        ids = [key.key_id for key in keys]
        if len(set(ids)) != len(ids):
            raise ParleyError("The same master key is listed twice.", code="invalid_secret_key")
        self._keys = tuple(keys)
        self._by_id = {key.key_id: key for key in keys}

    @classmethod
    def parse(cls, text: str, *, source: str = "PARLEY_SECRET_KEY") -> Keyring:
        """Keys separated by commas (or whitespace), newest first."""
        parts = [part for part in _SEPARATORS.split(text.strip()) if part]
        if not parts:
            raise ParleyError(f"{source} holds no key; {_GENERATE_HINT}", code="invalid_secret_key")
        return cls(
            [
                MasterKey.from_bytes(_decode(part, position=index, source=source))
                for index, part in enumerate(parts, start=1)
            ]
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        """PARLEY_SECRET_KEY when set, else the key file (generated on first use)."""
        if settings.secret_key is not None:
            return cls.parse(settings.secret_key.get_secret_value())
        path = settings.key_file
        return cls.parse(load_key_file(path), source=f"key file {path}")

    @property
    def current(self) -> MasterKey:
        """The key that encrypts and signs."""
        return self._keys[0]

    @property
    def ids(self) -> tuple[str, ...]:
        """Every key id, current first."""
        return tuple(key.key_id for key in self._keys)

    def get(self, key_id: str) -> MasterKey | None:
        """The key with this id, if the keyring holds it."""
        return self._by_id.get(key_id)

    def __iter__(self) -> Iterator[MasterKey]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"Keyring(ids={list(self.ids)!r})"


def load_key_file(path: Path) -> str:
    """The key file's text, creating it (mode 0600) with a fresh key when missing."""
    if not path.exists():
        _create_key_file(path)
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ParleyError(
                f"Key file {path} is readable by group or others (mode {mode:04o}); "
                f"restrict it with: chmod 600 {path}",
                code="insecure_key_file",
            )
    return path.read_text(encoding="ascii")


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(generate_secret_key() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # link() never overwrites: if another process won the race, its key stands.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
