"""Following a media link: the account and meeting come from the signature alone, and each
link has its own request budget."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from parley.accounts.media_links import PURPOSE, MediaLinks, MediaLinkService
from parley.errors import NotFoundError, PermissionDeniedError, RateLimitedError
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


class Visibility:
    """Which (account, meeting, app user) may be seen now; records each check."""

    def __init__(self, *visible: tuple[str, str, str]) -> None:
        self.visible = set(visible)
        self.checked: list[tuple[str, str, str]] = []

    async def check(self, account_id: str, meeting_id: str, app_user_id: str) -> None:
        self.checked.append((account_id, meeting_id, app_user_id))
        if (account_id, meeting_id, app_user_id) not in self.visible:
            raise NotFoundError("No such meeting.", code="meeting_not_found")


async def test_a_link_minted_for_an_app_user_checks_they_still_see_the_meeting(
    vault: Vault,
) -> None:
    media, seen = Media(), Visibility(("a", "m1", "rep-1"))
    links, service = _service(vault, media, check_visible=seen.check)
    theirs = _token(links.mint("a", "m1", "audio", scope="rep-1"))
    lost = _token(links.mint("a", "m2", "audio", scope="rep-1"))

    assert await service.location(theirs) == "https://media.example/m1.audio?sig=1"
    with pytest.raises(NotFoundError):
        await service.location(lost)

    assert seen.checked == [("a", "m1", "rep-1"), ("a", "m2", "rep-1")]
    assert media.minted == 1  # the refused one never reached the provider


async def test_a_developers_link_is_not_checked_and_a_scoped_one_needs_a_checker(
    vault: Vault,
) -> None:
    media, seen = Media(), Visibility()
    links, checked = _service(vault, media, check_visible=seen.check)
    _, unchecked = _service(vault, media)

    await checked.location(_token(links.mint("a", "m1", "video")))
    with pytest.raises(PermissionDeniedError):
        await unchecked.location(_token(links.mint("a", "m1", "video", scope="rep-1")))

    assert seen.checked == []
