"""Signed media links end to end: a meeting's recording URL plays without the API key.

The link answers a 302 to the sandbox's own short-lived signed file (a real WAV), carries no
provider credential, and is refused (403 in the envelope) once altered or expired.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_stack import Stack

from parley.accounts import MediaLinks
from parley.security import Vault

UNIFIED = "/unified/conversational-intelligence"


@pytest.fixture(scope="module")
def account(stack: Stack) -> str:
    with stack.client() as client:
        return stack.link_account(client)


@pytest.fixture
def anonymous() -> Iterator[httpx.Client]:
    """A browser's view: no API key, redirects not followed."""
    with httpx.Client(timeout=60) as client:
        yield client


def _meetings(stack: Stack, account: str) -> list[dict[str, Any]]:
    with stack.client() as client:
        params = {"integrated_account_id": account, "limit": 50}
        response = client.get(f"{UNIFIED}/meetings", params=params)
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()["result"]
    return result


def _recorded(stack: Stack, account: str, *, video: bool = True) -> dict[str, Any]:
    return next(
        m
        for m in _meetings(stack, account)
        if m["status"] == "completed"
        and m["audio_recording_url"]
        and (m["video_recording_url"] is not None) is video
        and m["duration"] > 120
    )


def test_a_listed_meetings_recording_plays_without_the_key(
    stack: Stack, account: str, anonymous: httpx.Client
) -> None:
    meeting = _recorded(stack, account)
    link = meeting["audio_recording_url"]

    redirect = anonymous.get(link)
    location = redirect.headers["location"]
    head = anonymous.head(location)
    first = anonymous.get(location, headers={"Range": "bytes=0-43"})

    assert link.startswith(f"{stack.url}/media/")
    assert redirect.status_code == 302
    assert redirect.headers["cache-control"] == "no-store"
    assert location.startswith(f"{stack.sandbox.url}/_media/{meeting['id']}?")
    assert (head.status_code, head.headers["content-type"]) == (200, "audio/wav")
    assert first.status_code == 206
    assert first.content[:4] == b"RIFF"
    data_bytes, byte_rate = struct.unpack("<I", first.content[40:44])[0], 16_000
    assert data_bytes / byte_rate == pytest.approx(meeting["duration"], abs=1 / 8000)
    assert int(head.headers["content-length"]) == 44 + data_bytes


def test_no_link_or_redirect_carries_the_provider_credential(
    stack: Stack, account: str, anonymous: httpx.Client
) -> None:
    meetings = [m for m in _meetings(stack, account) if m["audio_recording_url"]][:5]
    assert meetings
    for meeting in meetings:
        for link in (meeting["audio_recording_url"], meeting["video_recording_url"]):
            if link is None:
                continue
            location = anonymous.get(link).headers.get("location", "")
            assert stack.sandbox.token not in link
            assert stack.sandbox.token not in location
            assert stack.api_key not in link


def test_the_full_meeting_has_media_links_too_and_t_seeks(
    stack: Stack, account: str, anonymous: httpx.Client
) -> None:
    listed = _recorded(stack, account)
    with stack.client() as client:
        params = {"integrated_account_id": account}
        meeting = client.get(f"{UNIFIED}/meetings/{listed['id']}", params=params).json()

    link = meeting["video_recording_url"]
    redirect = anonymous.get(link, params={"t": "75.4"})

    assert link.startswith(f"{stack.url}/media/")
    assert redirect.status_code == 302
    assert redirect.headers["location"].endswith("#t=75.4")


def _flipped(link: str, at: int) -> str:
    char = link[at]
    return link[:at] + ("A" if char != "A" else "B") + link[at + 1 :]


def test_an_altered_or_expired_link_is_one_403_in_the_envelope(
    stack: Stack, account: str, anonymous: httpx.Client
) -> None:
    meeting = _recorded(stack, account)
    link = meeting["audio_recording_url"]
    settings = stack.api.settings
    # Minted through the product's own signer in 2001: long expired.
    past = MediaLinks.from_settings(
        Vault.from_settings(settings), settings, clock=lambda: 1_000_000_000.0
    )
    expired = past.mint(account, meeting["id"], "audio")
    start = len(f"{stack.url}/media/")

    refused = [
        anonymous.get(url)
        for url in (expired, _flipped(link, start + 5), _flipped(link, len(link) - 3))
    ]

    assert expired.startswith(f"{stack.url}/media/")
    for response in refused:
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "media_link_invalid"
        assert error["request_id"]
    messages = {r.json()["error"]["message"] for r in refused}
    assert len(messages) == 1


def test_a_video_link_of_an_audio_only_call_is_a_404_from_the_provider(
    stack: Stack, account: str, anonymous: httpx.Client
) -> None:
    meeting = _recorded(stack, account, video=False)
    settings = stack.api.settings
    links = MediaLinks.from_settings(Vault.from_settings(settings), settings)

    response = anonymous.get(links.mint(account, meeting["id"], "video"))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "remote_not_found"


def test_the_key_authenticated_recording_route_still_redirects(stack: Stack, account: str) -> None:
    meeting = _recorded(stack, account)
    with stack.client() as client:
        response = client.get(
            f"{UNIFIED}/meetings/{meeting['id']}/recording",
            params={"integrated_account_id": account, "kind": "audio"},
        )
        keyless = httpx.get(
            f"{stack.url}{UNIFIED}/meetings/{meeting['id']}/recording",
            params={"integrated_account_id": account, "kind": "audio"},
        )

    assert response.status_code == 302
    assert response.headers["location"].startswith(f"{stack.sandbox.url}/_media/")
    assert keyless.status_code == 401
