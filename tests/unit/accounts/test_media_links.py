"""Signed media links: minted per meeting and kind, stable for a step, refused once altered
or expired (one 403 for both)."""

from __future__ import annotations

import pytest

from parley.accounts.media_links import PURPOSE, MediaLinks, media_link_step
from parley.errors import PermissionDeniedError
from parley.security import Vault

NOW = 1_800_000_000.0


class Clock:
    """A settable clock for minting and opening."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _links(vault: Vault, clock: Clock, ttl: float = 900) -> MediaLinks:
    return MediaLinks("https://parley.test/", vault.signer(PURPOSE), ttl=ttl, clock=clock)


def _token(link: str) -> str:
    prefix = "https://parley.test/media/"
    assert link.startswith(prefix)
    return link.removeprefix(prefix)


def test_a_link_opens_to_its_account_meeting_kind_and_an_empty_scope(vault: Vault) -> None:
    links = _links(vault, Clock())

    claim = links.open(_token(links("acct-1")("m/1 é", "audio")))

    assert (claim.account_id, claim.meeting_id, claim.kind, claim.scope) == (
        "acct-1",
        "m/1 é",
        "audio",
        "",
    )
    assert NOW + 900 - 60 < claim.expires_at <= NOW + 900


def test_a_scoped_link_carries_its_scope(vault: Vault) -> None:
    links = _links(vault, Clock())

    claim = links.open(_token(links.mint("acct-1", "m1", "video", scope="user-7")))

    assert (claim.kind, claim.scope) == ("video", "user-7")


def test_links_are_compact_and_url_safe(vault: Vault) -> None:
    links = _links(vault, Clock())

    token = _token(links.mint("0f8fad5b-d9cb-469f-a165-70867728950e", "E" * 32, "video"))

    assert len(token) < 190  # 68 characters of ids, base64url: 91
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_links_minted_within_one_step_are_the_same_string(vault: Vault) -> None:
    clock = Clock(NOW - NOW % 60)  # the start of a step
    links = _links(vault, clock)
    first = links.mint("a", "m", "audio")

    clock.now += 59
    same = links.mint("a", "m", "audio")
    clock.now += 1
    next_step = links.mint("a", "m", "audio")

    assert same == first
    assert next_step != first


@pytest.mark.parametrize("elapsed", [900, 901, 10_000])
def test_a_link_is_refused_once_its_ttl_has_passed(vault: Vault, elapsed: float) -> None:
    clock = Clock()
    links = _links(vault, clock)
    token = _token(links.mint("a", "m", "audio"))

    clock.now += elapsed
    with pytest.raises(PermissionDeniedError) as refused:
        links.open(token)

    assert (refused.value.status, refused.value.code) == (403, "media_link_invalid")


def test_a_link_still_opens_just_before_its_shortest_lifetime(vault: Vault) -> None:
    clock = Clock(NOW - NOW % 60 + 59.5)  # the worst case: minted at the end of a step
    links = _links(vault, clock)
    token = _token(links.mint("a", "m", "audio"))

    clock.now += 900 - 60
    assert links.open(token).meeting_id == "m"


def test_every_altered_character_is_refused_like_an_expired_link(vault: Vault) -> None:
    clock = Clock()
    links = _links(vault, clock)
    token = _token(links.mint("a", "m", "audio"))
    clock.now += 10_000
    with pytest.raises(PermissionDeniedError) as expired:
        links.open(token)
    clock.now = NOW

    for i, char in enumerate(token):
        altered = token[:i] + ("A" if char != "A" else "B") + token[i + 1 :]
        with pytest.raises(PermissionDeniedError) as refused:
            links.open(altered)
        assert refused.value.to_dict() == expired.value.to_dict()


@pytest.mark.parametrize("token", ["", "x", "a.b.c", "é.é", "A" * 20_000])
def test_garbage_is_refused(vault: Vault, token: str) -> None:
    with pytest.raises(PermissionDeniedError):
        _links(vault, Clock()).open(token)


def test_a_token_signed_for_another_purpose_is_refused(vault: Vault) -> None:
    # A genuine cursor holding a media link's claims is still no media link.
    claims = {"l": ["a", "m", "a", int(NOW) + 600, ""]}
    cursor = vault.signer(b"cursor").sign(claims)

    with pytest.raises(PermissionDeniedError):
        _links(vault, Clock()).open(cursor)


def test_claims_of_the_wrong_shape_are_refused(vault: Vault) -> None:
    signer = vault.signer(PURPOSE)
    links = _links(vault, Clock())
    good = ["a", "m", "a", int(NOW) + 600, ""]
    bad = [
        ["a", "m", "x", int(NOW) + 600, ""],
        ["a", "m", "a", "soon", ""],
        ["a", "m", "a", True, ""],
        [1, "m", "a", int(NOW) + 600, ""],
        ["a", "m", "a", int(NOW) + 600, None],
        good[:4],
    ]

    for claims in bad:
        with pytest.raises(PermissionDeniedError):
            links.open(signer.sign({"l": claims}))
    assert links.open(signer.sign({"l": good})).account_id == "a"


@pytest.mark.parametrize(("ttl", "step"), [(900, 60), (3600, 60), (300, 20), (30, 2), (1, 1)])
def test_the_step_is_a_fifteenth_of_the_ttl_within_1_to_60_s(ttl: int, step: int) -> None:
    assert media_link_step(ttl) == step
