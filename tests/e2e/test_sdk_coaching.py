"""`client.coaching` (playlists and comments) against a live server after a real sync, with
a scoped token's client and the async client; typed answers, typed errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from e2e_stack import Stack, synced_stack
from pydantic import BaseModel
from test_scoping_api import _people, _truth

from parley import InvalidRequestError, NotFoundError, PermissionDeniedError
from parley.sandbox.config import SandboxConfig
from parley.sdk import AsyncClient, Client
from parley.sdk import insight_models as im


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str, str, str]]:
    """A SQLite stack synced from a 30-meeting sandbox (the PG paths are the HTTP tests'),
    a member's token, and a meeting that member sees."""
    tmp = tmp_path_factory.mktemp("sdk-coaching")
    with synced_stack("sqlite", tmp, None, SandboxConfig(seed=8, meetings=30)) as (stack, account):
        truth = _truth(stack)
        rep, _, _ = _people(truth)
        with Client(stack.api_key, stack.url, integrated_account_id=account) as admin:
            admin.user_mappings.put("sdk-rep", provider_user_id=rep, role="member")
            token = admin.scoped_tokens.create("sdk-rep", ttl_seconds=600).token
            stored = {meeting.id for meeting in admin.meetings.list(source="store")}
        meeting = sorted(truth.visible(rep, "member") & stored)[0]
        yield stack, account, token, meeting


def _sent_every_field(model: BaseModel) -> None:
    """Every field the SDK model declares is one the server sent (no silent default)."""
    assert set(type(model).model_fields) <= set(model.model_fields_set), type(model).__name__


def test_a_member_curates_and_comments_through_the_sdk(
    live: tuple[Stack, str, str, str],
) -> None:
    stack, account, token, meeting = live
    with Client(token, stack.url) as member:
        playlist = member.coaching.playlists.create("Mine", account, description="Study")
        clip = member.coaching.playlists.add_item(
            playlist.id, meeting, start_time=5, end_time=25.5, note="Opening"
        )
        whole = member.coaching.playlists.add_item(playlist.id, meeting)
        member.coaching.playlists.update_item(playlist.id, whole.id, position=0)
        renamed = member.coaching.playlists.update(playlist.id, name="Mine, renamed")
        got = member.coaching.playlists.get(playlist.id)
        listed = [p.id for p in member.coaching.playlists.list(limit=1)]
        comment = member.coaching.comments.create(meeting, 12.5, "Pause here.", account)
        comments = list(member.coaching.comments.list(meeting))
        with pytest.raises(InvalidRequestError) as bad:
            member.coaching.comments.create(meeting, -1, "x", account)
        member.coaching.comments.delete(comment.id)
        member.coaching.playlists.delete_item(playlist.id, clip.id)
        after = member.coaching.playlists.get(playlist.id)
        member.coaching.playlists.delete(playlist.id)
        with pytest.raises(NotFoundError):
            member.coaching.playlists.get(playlist.id)

    assert isinstance(got, im.CoachingPlaylist)
    assert (playlist.owner_app_user_id, renamed.name) == ("sdk-rep", "Mine, renamed")
    assert [(i.id, i.position) for i in got.items or []] == [(whole.id, 0), (clip.id, 1)]
    assert (clip.start_time, clip.end_time, clip.note) == (5.0, 25.5, "Opening")
    assert playlist.id in listed
    assert [c.id for c in comments] == [comment.id]
    assert comment.author_app_user_id == "sdk-rep"
    assert (bad.value.status, bad.value.param) == (400, "start_time")
    assert [(i.id, i.position) for i in after.items or []] == [(whole.id, 0)]
    for model in (got, clip, comment, *(got.items or [])):
        _sent_every_field(model)


def test_the_async_client_writes_as_the_developer_and_as_an_app_user(
    live: tuple[Stack, str, str, str],
) -> None:
    stack, account, token, meeting = live

    async def scenario() -> tuple[im.CoachingComment, im.CoachingComment, int]:
        async with AsyncClient(stack.api_key, stack.url, integrated_account_id=account) as admin:
            own = await admin.coaching.comments.create(meeting, 1, "From the coach")
            theirs = await admin.coaching.comments.create(
                meeting, 2, "For the rep", app_user_id="sdk-rep"
            )
            playlist = await admin.coaching.playlists.create("Team picks")
            await admin.coaching.playlists.add_item(playlist.id, meeting, start_time=3)
            counts = {p.id: p.item_count async for p in admin.coaching.playlists.list()}
            count = counts[playlist.id]
            async with AsyncClient(token, stack.url) as member:
                with pytest.raises(PermissionDeniedError):
                    await member.coaching.playlists.update(playlist.id, name="Taken")
                with pytest.raises(PermissionDeniedError):
                    await member.coaching.comments.delete(own.id)
                await member.coaching.comments.delete(theirs.id)
            await admin.coaching.comments.delete(own.id)
            await admin.coaching.playlists.delete(playlist.id)
            return own, theirs, count

    own, theirs, count = asyncio.run(scenario())
    assert (own.author_app_user_id, theirs.author_app_user_id) == (None, "sdk-rep")
    assert count == 1
