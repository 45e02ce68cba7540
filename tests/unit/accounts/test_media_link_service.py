"""Following a media link: the account and meeting come from the signature alone, and each
link has its own request budget."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from parley.accounts.media_links import PURPOSE, MediaLinks, MediaLinkService
from parley.errors import PermissionDeniedError, RateLimitedError
from parley.security import Vault
from parley.security.throttle import MemoryKeyRateLimiter


class Media:
    """A provider's media operation only: a fresh URL per call, and who was opened."""

    def __init__(self) -> None:
        self.opened: list[tuple[str | None, str]] = []
        self.minted = 0

    async def media_url(self, meeting_id: str, kind: str) -> str:
        self.minted += 1
        return f"https://media.example/{meeting_id}.{kind}?sig={self.minted}"

    @asynccontextmanager
    async def open(self, tenant_id: str | None, account_id: str) -> AsyncIterator[Any]:
        self.opened.append((tenant_id, account_id))
        yield self


def _service(vault: Vault, media: Media, **options: Any) -> tuple[MediaLinks, MediaLinkService]:
    links = MediaLinks("https://parley.test", vault.signer(PURPOSE), ttl=900)
    return links, MediaLinkService(links, media.open, **options)


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


async def test_a_link_redirects_to_a_freshly_minted_url_of_its_meeting(vault: Vault) -> None:
    media = Media()
    links, service = _service(vault, media)
    token = _token(links.mint("acct-1", "m1", "video"))

    first = await service.location(token)
    second = await service.location(token)

    assert (first, second) == (
        "https://media.example/m1.video?sig=1",
        "https://media.example/m1.video?sig=2",
    )
    # No tenant: the signature binds the account.
    assert media.opened == [(None, "acct-1"), (None, "acct-1")]


async def test_a_refused_link_never_reaches_the_provider(vault: Vault) -> None:
    media = Media()
    _, service = _service(vault, media)

    with pytest.raises(PermissionDeniedError):
        await service.location("not-a-link")

    assert media.opened == []


async def test_each_link_has_its_own_budget(vault: Vault) -> None:
    media = Media()
    now = [0.0]
    limiter = MemoryKeyRateLimiter(1.0, 2, clock=lambda: now[0])
    links, service = _service(vault, media, limiter=limiter)
    busy, other = _token(links.mint("a", "m1", "audio")), _token(links.mint("a", "m2", "audio"))

    await service.location(busy)
    await service.location(busy)
    with pytest.raises(RateLimitedError) as limited:
        await service.location(busy)
    await service.location(other)
    now[0] += 1.0
    await service.location(busy)

    assert (limited.value.status, limited.value.retry_after) == (429, 1)
    assert media.minted == 4
