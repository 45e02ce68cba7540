"""A media link in a real browser: `<audio src>` loads without the key, knows the call's
length and seeks (Debian's chromium driven by Playwright)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import BROWSER_MARKS
from e2e_stack import Stack

pytestmark = BROWSER_MARKS
UNIFIED = "/unified/conversational-intelligence"

# Loads `src` into a fresh <audio>, waits for its metadata, seeks to `at` and reports back.
PLAY = """async ([src, at]) => {
  const audio = document.createElement("audio");
  audio.preload = "auto";
  document.body.append(audio);
  const once = (name) => new Promise((ok, fail) => {
    audio.addEventListener(name, ok, {once: true});
    audio.addEventListener("error", () => fail(new Error(String(audio.error?.message))),
      {once: true});
  });
  const loaded = once("loadedmetadata");
  audio.src = src;
  await loaded;
  const seeked = once("seeked");
  audio.currentTime = at;
  await seeked;
  return {duration: audio.duration, currentTime: audio.currentTime, src: audio.currentSrc};
}"""


@pytest.fixture(scope="module")
def meeting(stack: Stack) -> dict[str, Any]:
    """A recorded meeting with its transcript, read with the API key (as the developer)."""
    with stack.client() as client:
        account = stack.link_account(client)
        params = {"integrated_account_id": account}
        listed = client.get(f"{UNIFIED}/meetings", params={**params, "limit": 50}).json()
        done = next(
            m
            for m in listed["result"]
            if m["status"] == "completed" and m["audio_recording_url"] and m["duration"] > 300
        )
        full: dict[str, Any] = client.get(f"{UNIFIED}/meetings/{done['id']}", params=params).json()
    return full


@pytest.mark.parametrize("kind", ["audio_recording_url", "video_recording_url"])
def test_the_player_loads_a_media_link_knows_the_duration_and_seeks(
    stack: Stack, browser: Any, meeting: dict[str, Any], kind: str
) -> None:
    link = meeting[kind]
    if link is None:
        pytest.skip("an audio-only call")
    entry = meeting["transcript"][len(meeting["transcript"]) // 2]
    page = browser.new_page()
    seen: list[tuple[str, int]] = []
    page.on("response", lambda response: seen.append((response.url, response.status)))
    try:
        # Any page of Parley's origin: the browser sends no API key, only the link.
        page.goto(f"{stack.url}/health")
        state = page.evaluate(PLAY, [link, entry["start_time"]])
    finally:
        page.close()

    assert state["duration"] == pytest.approx(meeting["duration"], abs=0.01)
    assert state["currentTime"] == pytest.approx(entry["start_time"], abs=0.05)
    assert state["src"] == link
    # The player followed the 302 to the provider's signed file and read it in ranges.
    assert (link, 302) in seen
    files = [status for url, status in seen if url.startswith(f"{stack.sandbox.url}/_media/")]
    assert 206 in files
