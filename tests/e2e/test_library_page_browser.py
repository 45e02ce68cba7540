"""The coaching library page in a real browser (Debian's chromium driven by Playwright): a
rep opens `/app/library` from the developer's product with a scoped token, sees the
playlist a coach curated (without the clip of a meeting they may not see), clicks a clip and
lands on the playback page at the clip's start."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_support import BROWSER_MARKS
from e2e_stack import synced_stack
from playback_support import PlaybackWorld, playback_world
from test_playback_page_browser import READY, player_at

from parley.sandbox.config import SandboxConfig

pytestmark = BROWSER_MARKS
SHOTS = Path("test-results")


@dataclass(frozen=True)
class Library:
    world: PlaybackWorld
    playlist: dict[str, Any]
    clip: dict[str, Any]  # on the rep's meeting, from a transcript entry
    whole: dict[str, Any]  # the rep's meeting, whole
    hidden: dict[str, Any]  # on another rep's meeting


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    sandbox = SandboxConfig(seed=11, meetings=40)
    with synced_stack("sqlite", tmp_path_factory.mktemp("library"), None, sandbox) as (
        stack,
        account,
    ):
        world = playback_world(stack, account)
        entry = world.meeting["transcript"][len(world.meeting["transcript"]) // 2]
        start = round(entry["start_time"] + 0.5, 1)
        with stack.client() as coach:
            playlist = coach.post(
                "/coaching/playlists",
                json={
                    "integrated_account_id": account,
                    "name": "Handling objections",
                    "description": "Moments worth a listen.",
                    "app_user_id": "coach",
                },
            ).json()
            items = f"/coaching/playlists/{playlist['id']}/items"
            clip = coach.post(
                items,
                json={
                    "meeting_id": world.meeting["id"],
                    "start_time": start,
                    "end_time": start + 20,
                    "note": "Listen to how the objection is reframed.",
                },
            ).json()
            hidden = coach.post(items, json={"meeting_id": world.hidden["id"]}).json()
            whole = coach.post(items, json={"meeting_id": world.meeting["id"]}).json()
        assert {clip["position"], hidden["position"], whole["position"]} == {0, 1, 2}
        yield Library(world, playlist, clip, whole, hidden)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookie yet) whose page is screenshot at the end."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    tab = context.new_page()
    try:
        yield tab
    finally:
        SHOTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(SHOTS / f"library-{request.node.name}.png"), full_page=True)
        context.close()


def _open(page: Any, library: Library) -> None:
    world = library.world
    page.goto(f"{world.stack.url}/app/library?token={world.token}")
    page.wait_for_load_state("domcontentloaded")


def test_the_rep_sees_the_playlist_without_the_clip_they_may_not_see(
    page: Any, library: Library
) -> None:
    _open(page, library)

    assert "token=" not in page.url
    section = page.locator(f"#playlist-{library.playlist['id']}")
    assert section.locator("h2").inner_text() == "Handling objections"
    assert "By coach" in section.inner_text()
    rows = section.locator("li.item")
    assert [rows.nth(i).get_attribute("id") for i in range(rows.count())] == [
        f"item-{library.clip['id']}",
        f"item-{library.whole['id']}",
    ]
    assert page.locator(f"#item-{library.hidden['id']}").count() == 0
    clip = page.locator(f"#item-{library.clip['id']}")
    assert "Listen to how the objection is reframed." in clip.inner_text()
    assert library.world.meeting["title"] in clip.locator(".title").inner_text()
    assert page.locator('nav a[aria-current="page"]').inner_text() == "Library"


def test_a_click_on_a_clip_lands_on_the_playback_page_at_its_start(
    page: Any, library: Library
) -> None:
    start = library.clip["start_time"]
    _open(page, library)

    page.locator(f"#item-{library.clip['id']} a.play").click()
    page.wait_for_url("**/app/meetings/**")
    page.wait_for_function(READY)

    assert page.url.endswith(
        f"/app/meetings/{library.world.meeting['id']}"
        f"?integrated_account_id={library.world.account}&t={start:g}"
    )
    assert player_at(page, start, 0.3) == pytest.approx(start, abs=0.3)


def test_the_whole_meeting_plays_from_the_start(page: Any, library: Library) -> None:
    _open(page, library)

    page.locator(f"#item-{library.whole['id']} a.play").click()
    page.wait_for_url("**/app/meetings/**")
    page.wait_for_function(READY)

    assert "t=" not in page.url
    assert player_at(page, 0, 0.3) == pytest.approx(0, abs=0.3)


def test_at_375_px_the_library_does_not_scroll_sideways(browser: Any, library: Library) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    tab = context.new_page()
    try:
        _open(tab, library)
        width = tab.evaluate("document.documentElement.scrollWidth")
        SHOTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(SHOTS / "library-375px.png"), full_page=True)
    finally:
        context.close()
    assert width <= 375
