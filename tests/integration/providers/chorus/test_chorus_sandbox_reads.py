"""Reads against the sandbox over HTTP: auth, not found, full meetings, users, teams, media."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, cast

import httpx
import pytest

from parley.errors import ProviderAuthError, ProviderNotFoundError
from parley.providers.base import MediaKind, MeetingFilters
from parley.providers.chorus import ChorusProvider
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.unified import AttendeeType, Meeting, MeetingStatus

Connect = Callable[..., AbstractAsyncContextManager[ChorusProvider]]
MISSING_ID = "0" * 32


def playback(meeting_id: str, kind: MediaKind) -> str:
    return f"https://parley.test/meetings/{meeting_id}/recording?kind={kind}"


def served(sandbox: SandboxServer, path: str, **params: str) -> Any:
    """What the sandbox serves, read with a plain HTTP client (the ground truth)."""
    headers = {"Authorization": sandbox.token}
    response = httpx.get(f"{sandbox.url}{path}", params=params, headers=headers, timeout=60)
    response.raise_for_status()
    return response.json()


async def listed(provider: ChorusProvider, count: int = 250) -> list[Meeting]:
    meetings = []
    async for meeting in provider.iter_meetings(MeetingFilters()):
        meetings.append(meeting)
        if len(meetings) == count:
            break
    return meetings


async def test_a_bad_token_fails_fast_with_a_clear_message(
    connect: Connect, sandbox: SandboxServer
) -> None:
    sandbox.reset_stats()
    bad = "sbx_not_a_real_token_0123456789abcdef"
    async with connect(sandbox, token=bad) as provider:
        with pytest.raises(ProviderAuthError) as caught:
            await provider.check()

    assert sandbox.stats()["unauthorized"] == 1  # no retries
    message = caught.value.message
    assert "rejected the API token" in message
    assert "Invalid or revoked API token" in message
    assert bad not in message
    assert bad not in (caught.value.remote_body or "")


async def test_a_revoked_token_turns_into_an_auth_error(connect: Connect) -> None:
    with SandboxServer(SandboxConfig(seed=11, meetings=5)) as sandbox:
        token = "sbx_short_lived_token"
        httpx.post(f"{sandbox.url}/_sandbox/tokens", json={"token": token}).raise_for_status()
        async with connect(sandbox, token=f"Bearer {token}") as provider:
            assert (await provider.check()).id
            httpx.delete(f"{sandbox.url}/_sandbox/tokens/{token}").raise_for_status()
            with pytest.raises(ProviderAuthError):
                await provider.list_users()


async def test_check_returns_the_tokens_user(connect: Connect, sandbox: SandboxServer) -> None:
    async with connect(sandbox) as provider:
        user = await provider.check()
    me = served(sandbox, "/api/v1/users/me")["data"]
    assert user.id == me["id"]
    assert user.emails[0].email == me["attributes"]["email"]


async def test_missing_things_are_provider_not_found(
    connect: Connect, sandbox: SandboxServer
) -> None:
    async with connect(sandbox) as provider:
        with pytest.raises(ProviderNotFoundError, match="was not found"):
            await provider.get_meeting(MISSING_ID)
        with pytest.raises(ProviderNotFoundError, match="HTTP 404"):
            await provider.get_team("999999")
        with pytest.raises(ProviderNotFoundError):
            await provider.media_url(MISSING_ID, "audio")
        with pytest.raises(ProviderNotFoundError, match="no user"):
            await provider.get_user("999999")


async def test_a_full_meeting_agrees_with_what_the_sandbox_serves(
    connect: Connect, sandbox: SandboxServer
) -> None:
    async with connect(sandbox, recording_url=playback) as provider:
        row = next(m for m in await listed(provider) if m.status is MeetingStatus.COMPLETED)
        meeting = await provider.get_meeting(row.id)
        again = await provider.get_meeting(row.id, listed=row)
    doc = served(sandbox, f"/api/v1/conversations/{row.id}")["data"]["attributes"]
    recording = doc["recording"]
    engagement = served(sandbox, "/v3/engagements", engagement_id=row.id, with_trackers="true")

    assert again == meeting
    assert meeting.title == engagement["engagements"][0]["subject"]
    assert meeting.summary == doc["summary"]
    assert meeting.action_items == doc["action_items"]
    transcript = meeting.transcript or []
    assert [(e.index, e.text, e.start_time) for e in transcript] == [
        (u["index"], u["snippet"], u["snippet_time"]) for u in recording["utterances"]
    ]
    assert [e.speaker_id for e in transcript] == [
        str(u["participant"]) for u in recording["utterances"]
    ]
    assert {e.speaker_type.value for e in transcript} <= {"user", "guest", "unknown"}
    speakers = meeting.speakers or []
    assert [(s.speaker_id, s.talk_time) for s in speakers] == [
        # Seconds to the millisecond: the sum of the ranges, not its float noise.
        (str(c["id"]), round(sum(r["talk_time"] for r in c["ranges"]), 3))
        for c in recording["clusters"]
    ]
    assert sum(s.talk_ratio for s in speakers) == pytest.approx(1.0)
    assert [(t.name, t.count, [m.segment_index for m in t.mentions]) for t in meeting.trackers] == [
        (t["name"], t["count"], [m["utterance"] for m in t["mentions"]])
        for t in recording["trackers"]
    ]
    assert meeting.topics == [t["name"] for t in recording["trackers"] if t["count"]]
    assert [(a.id, a.type) for a in meeting.attendees] == [
        (str(p["person_id"]), AttendeeType.USER if p["type"] == "rep" else AttendeeType.GUEST)
        for p in doc["participants"]
    ]
    assert [a.is_host for a in meeting.attendees].count(True) == 1
    assert meeting.audio_recording_url == playback(row.id, "audio")
    expected_video = None if recording["audio_only"] else playback(row.id, "video")
    assert meeting.video_recording_url == expected_video


@pytest.mark.parametrize("shape", ["array", "wrapped", "jsonapi"])
async def test_users_in_every_v3_shape(connect: Connect, shape: Any) -> None:
    with SandboxServer(SandboxConfig(seed=13, meetings=1, users_shape=shape)) as sandbox:
        async with connect(sandbox) as provider:
            users = await provider.list_users()
            one = await provider.get_user(users[-1].id)
        info = httpx.get(f"{sandbox.url}/_sandbox").json()

    assert [u.id for u in users] == [str(u["id"]) for u in info["users"]]
    assert [u.emails[0].email for u in users] == [u["email"] for u in info["users"]]
    assert one == users[-1]
    assert all(u.team_ids or u.role == "admin" for u in users)


async def test_teams_list_and_get(connect: Connect, sandbox: SandboxServer) -> None:
    async with connect(sandbox) as provider:
        teams = await provider.list_teams()
        first = await provider.get_team(teams[0].id)
    served_teams = served(sandbox, "/api/v1/teams")["data"]

    assert [(t.id, t.name) for t in teams] == [
        (t["id"], t["attributes"]["name"]) for t in served_teams
    ]
    assert first == teams[0]
    assert first.member_ids


async def test_media_urls_are_fresh_links_and_video_needs_video(
    connect: Connect, sandbox: SandboxServer
) -> None:
    async with connect(sandbox, recording_url=playback) as provider:
        done = [m for m in await listed(provider) if m.status is MeetingStatus.COMPLETED]
        full = await provider.get_meetings(done[:8])
        with_video = next(m for m in full if m.video_recording_url is not None)
        audio_only = next(m for m in full if m.video_recording_url is None)
        video_url = await provider.media_url(with_video.id, "video")
        audio_url = await provider.media_url(audio_only.id, "audio")
        with pytest.raises(ProviderNotFoundError, match="no video recording"):
            await provider.media_url(audio_only.id, "video")

    video = httpx.get(video_url, timeout=60)
    audio = httpx.get(audio_url, timeout=60)
    assert (video.status_code, audio.status_code) == (200, 200)
    # The sandbox's recordings are WAV files whatever the kind (browsers play them in <video>).
    assert video.headers["content-type"] == audio.headers["content-type"] == "audio/wav"
    assert video.content[:4] == audio.content[:4] == b"RIFF"


async def test_raw_request_passes_through(connect: Connect, sandbox: SandboxServer) -> None:
    async with connect(sandbox) as provider:
        response = await provider.raw_request("GET", "/api/v1/teams/999999")
        ok = await provider.raw_request("GET", "/v3/engagements", params=[("engagement_type", "x")])

    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "Team 999999 was not found."
    assert ok.status_code == 400
    assert cast(dict[str, Any], ok.json())["errors"][0]["source"]["parameter"] == "engagement_type"
