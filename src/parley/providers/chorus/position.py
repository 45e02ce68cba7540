"""Chorus list positions: the continuation key plus short digests of the rows just before it.

Some Chorus deployments start a page with rows the previous page already ended with (its
last row, or several). `ProviderPage.next_position` is the provider's own opaque position, so
the Chorus provider hands out a position that remembers the ids of the last `TAIL` rows
listed before it (as 48-bit digests), and drops the rows of the next page whose ids are among
them. Every caller (the live list at any `limit`, sync, the iterator) therefore sees each
meeting once, and a refetch of the same position gives the same rows (cursor offsets hold).

Format: `pq1.` + the digests (8 url-safe base64 characters each, no separator) + `.` + the
Chorus continuation key. Anything else is a plain continuation key (positions handed out
before this format existed, still inside signed cursors and sync checkpoints).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["TAIL", "Position", "digest", "parse_position"]

#: how many of the last listed rows a position remembers
TAIL = 10
PREFIX = "pq1."
_DIGEST_CHARS = 8


def digest(meeting_id: str) -> str:
    """A short, stable digest of one id (48 bits: a collision among 10 rows is ~1e-13)."""
    raw = hashlib.blake2b(meeting_id.encode(), digest_size=6).digest()
    return base64.urlsafe_b64encode(raw).decode()


@dataclass(frozen=True, slots=True)
class Position:
    """Where a Chorus listing continues: the key to send and the rows listed just before."""

    key: str | None
    tail: tuple[str, ...] = ()

    def after(self, key: str, ids: Iterable[str]) -> Position:
        """The position of the next page: `key`, remembering these ids as the newest tail."""
        tail = (*self.tail, *(digest(i) for i in ids))[-TAIL:]
        return Position(key, tail)

    def drops(self, meeting_id: str) -> bool:
        """Whether a row with this id was listed just before this position."""
        return bool(self.tail) and digest(meeting_id) in self.tail

    def encode(self) -> str | None:
        """The opaque position string (None: the first page)."""
        if self.key is None:
            return None
        if not self.tail:
            return self.key
        return f"{PREFIX}{''.join(self.tail)}.{self.key}"


def parse_position(position: str | None) -> Position:
    """A position string back into its key and tail (a plain key has no tail)."""
    if position is None or not position.startswith(PREFIX):
        return Position(position)
    digests, sep, key = position[len(PREFIX) :].partition(".")
    if not sep or not key or len(digests) % _DIGEST_CHARS:
        return Position(position)
    tail = tuple(digests[i : i + _DIGEST_CHARS] for i in range(0, len(digests), _DIGEST_CHARS))
    return Position(key, tail)
