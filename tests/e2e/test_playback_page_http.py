"""The playback page over real HTTP after a sync: what it shows to whom, and its media link
bound to the app user who opened it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_stack import BACKENDS, call, synced_stack
from playback_support import MEMBER, UNIFIED, PlaybackWorld, playback_world

from parley.sandbox.config import SandboxConfig


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[PlaybackWorld]:
    sandbox = SandboxConfig(seed=11, meetings=40)
    tmp = tmp_path_factory.mktemp("pages")
    with synced_stack(request.param, tmp, postgres_server, sandbox) as (stack, account):
        yield playback_world(stack, account)


def _as_member(world: PlaybackWorld, path: str) -> httpx.Response:
    return call("GET", world.stack.url + path, headers={"Cookie": f"parley_session={world.token}"})


def _audio_src(html: str) -> str:
    found = re.search(r'<audio id="player"[^>]* src="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_member_sees_their_meeting_with_its_transcript_and_player(
    world: PlaybackWorld,
) -> None:
    response = _as_member(world, world.page_path())

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert html.count('class="entry"') == len(world.meeting["transcript"])
    assert _audio_src(html).startswith(f"{world.stack.url}/media/")
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]


def test_another_reps_meeting_and_an_unknown_one_are_the_same_404_page(
    world: PlaybackWorld,
) -> None:
    hidden = _as_member(world, world.page_path(world.hidden["id"]))
    unknown = _as_member(world, world.page_path("no-such-meeting"))

    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.headers["content-type"].startswith("text/html")
    assert world.hidden["title"] not in hidden.text
    # Nothing tells the two apart.
    strip = re.compile(r'name="csrf" value="[^"]*"')
    assert strip.sub("", hidden.text) == strip.sub("", unknown.text)


def test_the_developers_key_sees_every_meeting_and_must_name_the_account(
    world: PlaybackWorld,
) -> None:
    bearer = {"Authorization": f"Bearer {world.stack.api_key}"}
    hidden = call("GET", world.url(world.hidden["id"]), headers=bearer)
    unnamed = call("GET", f"{world.stack.url}/app/meetings/{world.meeting['id']}", headers=bearer)

    assert hidden.status_code == 200
    assert unnamed.status_code == 400
    assert "integrated_account_id" in unnamed.text


def test_a_members_media_link_stops_once_they_no_longer_see_the_meeting(
    world: PlaybackWorld,
) -> None:
    link = _audio_src(_as_member(world, world.page_path()).text)
    word = max(world.meeting["transcript"][5]["text"].split(), key=len).strip(".,?!")
    with world.stack.client(world.token) as scoped:
        found = scoped.get("/search", params={"q": word, "limit": 100}).json()["result"]
    search_link = next(h for h in found if h["meeting_id"] == world.meeting["id"])["playback_url"]
    with world.stack.client() as client:
        developer_link = client.get(
            f"{UNIFIED}/meetings/{world.meeting['id']}",
            params={"integrated_account_id": world.account, "source": "store"},
        ).json()["audio_recording_url"]
        before = call("GET", link, follow_redirects=False)
        search_before = call("GET", search_link, follow_redirects=False)
        # The member becomes another rep: the meeting leaves their scope.
        client.put(
            f"/user-mappings/{MEMBER}",
            params={"integrated_account_id": world.account},
            json={"email": world.hidden["owner"]["email"], "role": "member"},
        ).raise_for_status()
        try:
            after = call("GET", link, follow_redirects=False)
            search_after = call("GET", search_link, follow_redirects=False)
            developers = call("GET", developer_link, follow_redirects=False)
        finally:
            client.put(
                f"/user-mappings/{MEMBER}",
                params={"integrated_account_id": world.account},
                json={"email": world.meeting["owner"]["email"], "role": "member"},
            ).raise_for_status()

    assert (before.status_code, search_before.status_code) == (302, 302)
    assert (after.status_code, search_after.status_code) == (404, 404)
    assert after.json()["error"]["code"] == "meeting_not_found"
    assert developers.status_code == 302


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_comment_form_needs_its_csrf_token_and_a_meeting_the_member_sees(
    world: PlaybackWorld,
) -> None:
    cookie = {"Cookie": f"parley_session={world.token}"}
    csrf = _csrf(_as_member(world, world.page_path()).text)
    at = world.meeting["transcript"][3]["start_time"]

    def post(meeting_id: str, **form: object) -> httpx.Response:
        path = world.page_path(meeting_id).replace("?", "/comments?", 1)
        return call("POST", world.stack.url + path, headers=cookie, data=form)

    forged = post(world.meeting["id"], csrf="x", start_time=at, text="hi")
    hidden = post(world.hidden["id"], csrf=csrf, start_time=at, text="hi")
    empty = post(world.meeting["id"], csrf=csrf, start_time=at, text="")
    added = post(world.meeting["id"], csrf=csrf, start_time=at, text="Nice pause here")

    assert (forged.status_code, hidden.status_code, empty.status_code) == (403, 404, 400)
    assert all(r.headers["content-type"].startswith("text/html") for r in (forged, hidden, empty))
    assert added.status_code == 303
    assert added.headers["location"].startswith(f"/app/meetings/{world.meeting['id']}?")
    shown = _as_member(world, added.headers["location"]).text
    listed = re.findall(r'<li class="comment" data-start="([^"]+)">(.*?)</li>', shown, re.S)
    mine = [(float(start), body) for start, body in listed if "Nice pause here" in body]
    assert len(mine) == 1
    assert mine[0][0] == pytest.approx(at)
    assert f'<span class="author">{MEMBER}</span>' in mine[0][1]
