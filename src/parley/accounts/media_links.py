"""Signed media links: recording URLs a browser can play without the API key.

A unified meeting's `audio_recording_url` / `video_recording_url` is `/media/{signed}`: a
compact token (`Signer`, purpose `media-link`) over the account, the meeting, the kind, an
expiry and a scope (`{"l": [account, meeting, "a"|"v", expiry, scope]}`, base64url + HMAC).
`GET /media/{signed}` answers a 302 to a media URL the provider mints at that moment
(`MediaLinkService`); it never carries the bytes, nor any provider credential.

* **Expiry.** A link lives `PARLEY_MEDIA_LINK_TTL` seconds at most. Expiries are rounded
  down to a step (TTL/15, at most 60 s), so every link minted within one step is the same
  string: a page's rows, and the list fast path's memo of encoded rows (keyed by the
  account's links, `listing_json.links_key`), stay stable for a step, and the memo still
  hits. A link therefore lasts between TTL - step and TTL. `MediaLinks` keeps the links it
  minted in the current step, so reading the same meetings again signs nothing.
* **Scope.** The `s` claim names who the link was minted for: empty for an API key (the
  developer, who sees every meeting), an app user's id for scoped minting (a scoped stored
  read, a page). Following a scoped link checks again that this app user may still see
  the meeting (`CheckVisible`, the store's scope): one they no longer see (a mapping
  removed or changed, the meeting made private) is a 404 `meeting_not_found`, as the
  meeting itself would be.
* **Refusals.** An altered, foreign or expired link is one 403 `media_link_invalid`: the
  same answer for each, so a link's age leaks nothing.
* **Budget.** The per-key middleware limits Bearer credentials only; each link has its own
  budget here instead (the same rate and burst as an API key, keyed by the link's hash), so
  a leaked link cannot spend the account's provider budget faster than a key could.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from parley.config import Settings
from parley.errors import ParleyError, PermissionDeniedError, RateLimitedError
from parley.providers.base import MediaKind, Provider, RecordingUrl
from parley.security import Vault, hash_secret
from parley.security.signing import Signer
from parley.security.throttle import KeyRateLimiter

__all__ = ["CheckVisible", "MediaClaim", "MediaLinkService", "MediaLinks", "media_link_step"]

#: The vault signer's purpose: a media link is no cursor, state token or webhook signature.
PURPOSE = b"media-link"
_KINDS: dict[str, MediaKind] = {"a": "audio", "v": "video"}
_CODES = {kind: code for code, kind in _KINDS.items()}
#: links kept for the current step (about 250 bytes each)
_MINTED_MAX = 8192
_INVALID = "This media link is invalid or has expired; fetch the meeting again for a fresh one."

#: (tenant id or None, account id) -> the account's provider for the block
OpenAccount = Callable[[str | None, str], AbstractAsyncContextManager[Provider]]
#: (account id, meeting id, app user id) -> None, or 404 when that user cannot see it now
CheckVisible = Callable[[str, str, str], Awaitable[None]]


def media_link_step(ttl: float) -> int:
    """The rounding step of expiries: TTL/15, at least 1 s and at most 60 s."""
    return max(1, min(60, int(ttl // 15)))


@dataclass(frozen=True, slots=True)
class MediaClaim:
    """What a genuine media link stands for."""

    account_id: str
    meeting_id: str
    kind: MediaKind
    expires_at: int
    scope: str = ""  # "" for an API key; an app user's id when minted for one


def _invalid() -> PermissionDeniedError:
    return PermissionDeniedError(_INVALID, code="media_link_invalid")


class MediaLinks:
    """Mints and opens media links; as `RecordingLinks`, `links(account_id)` is a builder."""

    def __init__(
        self,
        public_url: str,
        signer: Signer,
        *,
        ttl: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._base = f"{public_url.rstrip('/')}/media/"
        self._signer = signer
        self._ttl = ttl
        self._step = media_link_step(ttl)
        self._clock = clock
        # The links of the current step (a signature costs ~10 µs; a lookup, a fraction).
        self._minted: dict[tuple[str, str, str, str], str] = {}
        self._minted_for = 0

    @classmethod
    def from_settings(
        cls, vault: Vault, settings: Settings, *, clock: Callable[[], float] = time.time
    ) -> MediaLinks:
        """Links under `PARLEY_PUBLIC_URL`, signed by the vault, living `media_link_ttl`."""
        return cls(
            settings.public_url,
            vault.signer(PURPOSE),
            ttl=settings.media_link_ttl,
            clock=clock,
        )

    def expiry(self) -> int:
        """The expiry of a link minted now: at most TTL away, rounded down to the step."""
        return math.floor((self._clock() + self._ttl) / self._step) * self._step

    def mint(self, account_id: str, meeting_id: str, kind: MediaKind, scope: str = "") -> str:
        """The absolute URL of a fresh link."""
        expires = self.expiry()
        if expires != self._minted_for:
            # A new step: every link changes, so the links of the last one can go.
            self._minted.clear()
            self._minted_for = expires
        key = (account_id, meeting_id, kind, scope)
        link = self._minted.get(key)
        if link is None:
            # A list, not named claims: the link is shorter by a fifth.
            claims = [account_id, meeting_id, _CODES[kind], expires, scope]
            link = self._base + self._signer.sign({"l": claims})
            if len(self._minted) >= _MINTED_MAX:
                self._minted.clear()
            self._minted[key] = link
        return link

    def __call__(self, account_id: str, scope: str = "") -> RecordingUrl:
        """The recording-link builder of one account (for providers and stored reads)."""

        def link(meeting_id: str, kind: MediaKind) -> str:
            return self.mint(account_id, meeting_id, kind, scope)

        return link

    def open(self, token: str) -> MediaClaim:
        """The claim of a genuine, unexpired link; otherwise 403 `media_link_invalid`."""
        try:
            data = self._signer.verify(token)
        except ParleyError:
            raise _invalid() from None
        claim = _claim(data)
        if claim is None or self._clock() >= claim.expires_at:
            raise _invalid()
        return claim


def _claim(data: dict[str, Any]) -> MediaClaim | None:
    claims = data.get("l")
    if not isinstance(claims, list) or len(claims) != 5:
        return None
    account, meeting, code, expires, scope = claims
    kind = _KINDS.get(code) if isinstance(code, str) else None
    if not (isinstance(account, str) and isinstance(meeting, str) and isinstance(scope, str)):
        return None
    if kind is None or not isinstance(expires, int) or isinstance(expires, bool):
        return None
    return MediaClaim(account, meeting, kind, expires, scope)


class MediaLinkService:
    """`GET /media/{signed}`: open the link, spend its budget, ask the provider for a URL."""

    def __init__(
        self,
        links: MediaLinks,
        open_account: OpenAccount,
        *,
        limiter: KeyRateLimiter | None = None,
        check_visible: CheckVisible | None = None,
    ) -> None:
        self._links = links
        self._open = open_account
        self._limiter = limiter
        self._check_visible = check_visible

    async def location(self, token: str) -> str:
        """A freshly minted provider media URL for the link (403, 429, 404 for a scoped link
        whose user no longer sees the meeting, or the provider's error)."""
        claim = self._links.open(token)
        if self._limiter is not None:
            wait = await self._limiter.admit(hash_secret(f"media:{token}"))
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                raise RateLimitedError(
                    f"Too many requests for this media link. Retry in {retry_after} s.",
                    retry_after=retry_after,
                )
        if claim.scope:
            if self._check_visible is None:
                raise _invalid()  # nothing can check the user: fail closed
            await self._check_visible(claim.account_id, claim.meeting_id, claim.scope)
        # The signature binds the account: no tenant is needed to find it.
        async with self._open(None, claim.account_id) as provider:
            return await provider.media_url(claim.meeting_id, claim.kind)
