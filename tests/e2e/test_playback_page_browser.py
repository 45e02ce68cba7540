"""The playback page in a real browser (Debian's chromium driven by Playwright), as a rep
opens it from the developer's product: with a scoped token in the link, after a real sync."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import BROWSER_MARKS
from e2e_stack import synced_stack
from playback_support import PlaybackWorld, playback_world

from parley.sandbox.config import SandboxConfig

pytestmark = BROWSER_MARKS
SHOTS = Path("test-results")
READY = "document.documentElement.dataset.ready === 'true'"
# The player's position once it knows its media (a seek before that may be provisional).
PLAYER_AT = """() => {
  const audio = document.getElementById("player");
  return audio.readyState >= 1 ? audio.currentTime : null;
}"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlaybackWorld]:
    sandbox = SandboxConfig(seed=11, meetings=40)
    with synced_stack("sqlite", tmp_path_factory.mktemp("pages"), None, sandbox) as (
        stack,
        account,
    ):
        yield playback_world(stack, account)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookie yet) whose page is screenshot at the end."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    tab = context.new_page()
    try:
        yield tab
    finally:
        SHOTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(SHOTS / f"playback-{request.node.name}.png"), full_page=False)
        context.close()


def open_page(page: Any, world: PlaybackWorld, **params: Any) -> None:
    """Open the page with the member's token in the URL and wait until it is interactive."""
    page.goto(world.url(token=world.token, **params))
    page.wait_for_function(READY)
    tti, redirected, served, parsed = page.evaluate(
        """(() => {
          const n = performance.getEntriesByType("navigation")[0];
          const ready = performance.getEntriesByName("parley-ready")[0].startTime;
          return [ready - n.startTime, n.redirectEnd, n.responseEnd, n.domInteractive];
        })()"""
    )
    print(
        f"\nplayback page: time to interactive {tti:.0f} ms (goal <= 1500 ms; the ?token= "
        f"redirect done at {redirected:.0f} ms, HTML in at {served:.0f} ms, parsed at "
        f"{parsed:.0f} ms)"
    )


def player_at(page: Any, seconds: float, tolerance: float = 1.0) -> float:
    """Wait until the player sits within `tolerance` of `seconds`; its position."""
    page.wait_for_function(
        f"() => {{ const t = ({PLAYER_AT})(); return t !== null && Math.abs(t - {seconds}) <= "
        f"{tolerance}; }}",
        timeout=15_000,
    )
    at: float = page.evaluate(PLAYER_AT)
    return at


def _phrase(world: PlaybackWorld) -> tuple[str, dict[str, Any]]:
    """Three words of an entry past the middle that no earlier entry says."""
    entries = world.meeting["transcript"]
    for entry in entries[len(entries) // 2 :]:
        words = entry["text"].split()
        if len(words) >= 4:
            phrase = " ".join(words[1:4])
            if not any(phrase.lower() in e["text"].lower() for e in entries if e is not entry):
                return phrase, entry
    raise AssertionError("no distinctive phrase in the transcript")


def test_the_token_leaves_the_address_bar_and_the_transcript_shows(
    page: Any, world: PlaybackWorld
) -> None:
    open_page(page, world)

    assert "token=" not in page.url
    assert page.url.endswith(world.page_path())
    rows = page.locator("#transcript .entry")
    assert rows.count() == len(world.meeting["transcript"])
    first = world.meeting["transcript"][0]
    assert rows.first.locator(".speaker").inner_text() == (first["speaker_name"] or "Speaker")


def test_search_then_click_the_hit_seeks_the_player_to_its_entry(
    page: Any, world: PlaybackWorld
) -> None:
    phrase, entry = _phrase(world)
    open_page(page, world)

    page.fill("#search", phrase)
    hits = page.locator("#transcript mark.hit")
    assert hits.count() == 1
    assert page.inner_text("#match-count") == "1 of 1 match"
    # Filtered: only the entry with the phrase is left.
    assert page.locator("#transcript .entry:not([hidden])").count() == 1
    hits.first.click()

    at = player_at(page, entry["start_time"])
    assert at == pytest.approx(entry["start_time"], abs=1.0)
    current = page.locator("#transcript .entry.current")
    assert current.get_attribute("id") == f"entry-{entry['index']}"


def test_t_starts_the_player_there(page: Any, world: PlaybackWorld) -> None:
    entry = world.meeting["transcript"][len(world.meeting["transcript"]) // 3]
    start = round(entry["start_time"] + 0.5, 1)

    open_page(page, world, t=start)

    assert player_at(page, start, 0.3) == pytest.approx(start, abs=0.3)
    current = page.locator("#transcript .entry.current")
    assert current.get_attribute("id") == f"entry-{entry['index']}"


def test_a_comment_added_through_the_form_is_on_the_timeline_after_a_reload(
    page: Any, world: PlaybackWorld
) -> None:
    entry = world.meeting["transcript"][len(world.meeting["transcript"]) // 2]
    text = f"Great discovery question at entry {entry['index']}"
    open_page(page, world)
    page.locator(f"#entry-{entry['index']}").click()
    player_at(page, entry["start_time"])

    page.fill("#comment-text", text)
    page.click("#comment-form button[type=submit]")
    page.wait_for_function(READY)
    page.reload()
    page.wait_for_function(READY)

    marker = page.locator("#track .marker-comment")
    titles = [marker.nth(i).get_attribute("title") or "" for i in range(marker.count())]
    assert any(text in title for title in titles), titles
    listed = page.locator("#comment-list .comment", has_text=text)
    assert listed.count() == 1
    shown_at = float(listed.first.get_attribute("data-start") or "nan")
    assert shown_at == pytest.approx(entry["start_time"], abs=1.0)
    # The page came back at the comment's moment.
    assert player_at(page, shown_at, 0.5) == pytest.approx(shown_at, abs=0.5)


def test_hash_t_starts_there_and_the_moment_link_has_t_but_no_token(
    page: Any, world: PlaybackWorld
) -> None:
    page.goto(world.url(token=world.token) + "#t=95.5")
    page.wait_for_function(READY)
    player_at(page, 95.5, 0.3)

    page.click("#copy-link")
    page.wait_for_function("document.getElementById('copy-status').textContent !== ''")

    link = page.get_attribute("#copy-link", "data-link") or ""
    assert link.startswith(world.url())
    assert "t=95.5" in link
    assert "token" not in link


def test_keys_play_seek_and_focus_search(page: Any, world: PlaybackWorld) -> None:
    open_page(page, world, t=60)
    player_at(page, 60, 0.3)

    page.keyboard.press("ArrowRight")
    player_at(page, 65, 0.3)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    player_at(page, 55, 0.3)
    page.keyboard.press("/")

    assert page.evaluate("document.activeElement.id") == "search"


def test_a_member_opening_another_reps_meeting_sees_the_404_page(
    page: Any, world: PlaybackWorld
) -> None:
    page.goto(world.url(token=world.token))  # signed in
    response = page.goto(world.url(world.hidden["id"]))

    assert response.status == 404
    assert page.locator(".error-page").get_attribute("data-status") == "404"
    assert world.hidden["title"] not in page.content()


def test_at_375_px_nothing_scrolls_sideways(browser: Any, world: PlaybackWorld) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    try:
        open_page(page, world)
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "playback-375px.png"), full_page=True)
    finally:
        context.close()

    assert widths[0] <= widths[1], widths
