"""The dashboard and the snippets feed in a real browser (Debian's chromium via Playwright).

Each test does what a user does: the developer signs in with their API key, a member opens
the link with their scoped token; they read the tables, filter by team and dates, look at
the charts, click a deal's evidence and a snippet's play button. What the page shows is
compared with the JSON API's answer for the same caller and filters. Screenshots go to
`test-results/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import BROWSER_MARKS
from e2e_stack import synced_stack
from insight_pages import DEALS, Seeded, api_rows, feed, playback, report, seed

from parley.sandbox.config import SandboxConfig

pytestmark = BROWSER_MARKS
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
SANDBOX = SandboxConfig(seed=7, meetings=80)

# The rows of one table: [key, {field: number}] from the cells' data-value.
TABLE = """(id) => [...document.querySelectorAll(`#${id} tbody tr[data-key]`)].map((tr) => [
  tr.dataset.key,
  Object.fromEntries([...tr.querySelectorAll("[data-value]")].map(
    (cell) => [cell.dataset.field, Number(cell.dataset.value)])),
])"""
# How many pixels of a canvas are painted (not transparent).
PAINTED = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return {painted, width: canvas.width, height: canvas.height};
}"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, postgres_server: Any) -> Iterator[Seeded]:
    tmp = tmp_path_factory.mktemp("dashboard-browser")
    with synced_stack("sqlite", tmp, postgres_server, SANDBOX) as (stack, account):
        yield seed(stack, account)


@pytest.fixture
def developer(browser: Any, seeded: Seeded) -> Iterator[Any]:
    """A page signed in with the developer's API key through the sign-in form."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    target = f"/app/dashboard?integrated_account_id={seeded.account}"
    page.goto(f"{seeded.stack.url}/app/login?next={target.replace('&', '%26')}")
    page.fill("#api_key", seeded.stack.api_key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{seeded.stack.url}{target}")
    try:
        yield page
    finally:
        context.close()


def _rows(page: Any, table: str) -> list[tuple[str, dict[str, float]]]:
    return [(key, cells) for key, cells in page.evaluate(TABLE, table)]


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_the_rep_table_equals_the_analytics_report(developer: Any, seeded: Seeded) -> None:
    with seeded.stack.client() as client:
        expected = report(client, seeded.account)

    shown = _rows(developer, "reps-table")
    _shot(developer, "dashboard")

    assert len(shown) >= 3
    assert shown == api_rows(expected)
    names = developer.locator("#reps-table tbody th").all_inner_texts()
    assert names == [row["name"] or row["key"] for row in expected["result"]]


def test_the_charts_are_drawn_from_the_tables(developer: Any) -> None:
    developer.wait_for_selector("html[data-ready=true]")

    for canvas, table in (
        ("chart-talk", "reps-table"),
        ("chart-weeks", "weeks-table"),
        ("chart-topics", "topics-table"),
    ):
        drawn = developer.evaluate(PAINTED, canvas)
        assert drawn["width"] > 0
        assert drawn["height"] > 0
        assert drawn["painted"] > 1000, canvas
        labels = int(developer.get_attribute(f"#{canvas}", "data-rendered") or 0)
        assert labels == len(_rows(developer, table))


def test_filtering_a_team_and_dates_changes_the_tables_to_the_apis(
    developer: Any, seeded: Seeded
) -> None:
    with seeded.stack.client() as client:
        everyone = report(client, seeded.account)
        teams = report(client, seeded.account, group_by="team")["result"]
        weeks = sorted(
            row["key"] for row in report(client, seeded.account, group_by="week")["result"]
        )
    team = min(teams, key=lambda row: row["meetings"])
    first = weeks[1][:10]
    last = (datetime.fromisoformat(weeks[-2]) + timedelta(days=6)).date().isoformat()

    developer.select_option("#team_id", team["key"])
    developer.click("form.filters button[type=submit]")
    developer.wait_for_url(f"**team_id={team['key']}**")
    by_team = _rows(developer, "reps-table")
    developer.fill("#from", first)
    developer.fill("#to", last)
    developer.click("form.filters button[type=submit]")
    developer.wait_for_url(f"**to={last}")
    by_team_and_dates = _rows(developer, "reps-table")
    _shot(developer, "dashboard-filtered")

    with seeded.stack.client() as client:
        team_report = report(client, seeded.account, team_id=team["key"])
        dated = report(
            client,
            seeded.account,
            team_id=team["key"],
            start_time_after=f"{first}T00:00:00Z",
            start_time_before=f"{last}T23:59:59.999999Z",
        )
    assert by_team == api_rows(team_report)
    assert by_team != api_rows(everyone)
    assert by_team_and_dates == api_rows(dated)
    assert developer.input_value("#team_id") == team["key"]


def test_a_deals_evidence_link_opens_the_playback_page_at_its_moment(
    developer: Any, seeded: Seeded
) -> None:
    with seeded.stack.client() as client:
        deals = client.get(DEALS, params={"integrated_account_id": seeded.account}).json()
    deal = next(d for d in deals["result"] if d["risk"]["level"] != "low")
    evidence = next(e for s in deal["risk"]["signals"] for e in s["evidence"])
    row = developer.locator(f'tr[data-deal="{deal["id"]}"]')
    link = row.locator("a.evidence-link").first
    assert not link.is_visible()  # folded under its signal until asked for
    row.locator("details summary").first.click()
    assert link.is_visible()

    link.click()
    developer.wait_for_url(f"**/app/meetings/{evidence['meeting_id']}?**")
    developer.wait_for_selector("html[data-ready=true]")
    _shot(developer, "dashboard-evidence-playback")
    assert developer.locator(".error-page").count() == 0

    opened = urlsplit(developer.url)
    assert f"{opened.path}?{opened.query}" == playback(
        seeded.account, evidence["meeting_id"], evidence.get("start_time")
    )


def test_the_snippets_page_lists_the_feed_newest_first_and_plays_a_clip(
    developer: Any, seeded: Seeded
) -> None:
    developer.click("nav >> text=Snippets")
    developer.wait_for_url("**/app/snippets?**")
    with seeded.stack.client() as client:
        expected = feed(client, integrated_account_id=seeded.account)
    items = developer.locator("li[data-snippet]")
    ids = items.evaluate_all("(els) => els.map((el) => el.dataset.snippet)")
    starts = items.evaluate_all("(els) => els.map((el) => el.dataset.meetingStart)")
    _shot(developer, "snippets")

    assert ids == [s["id"] for s in expected]
    assert starts == sorted(starts, reverse=True)
    first = items.first
    assert first.locator("mark").count() >= 1
    assert expected[0]["speaker_name"] in first.inner_text()

    first.locator("a.play").click()
    developer.wait_for_url(f"**/app/meetings/{expected[0]['meeting_id']}?**")
    developer.wait_for_selector("html[data-ready=true]")
    assert developer.locator(".error-page").count() == 0
    opened = urlsplit(developer.url)
    assert f"{opened.path}?{opened.query}" == playback(
        seeded.account, expected[0]["meeting_id"], expected[0]["start_time"]
    )


def test_a_members_token_shows_only_their_meetings(browser: Any, seeded: Seeded) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(
            f"{seeded.stack.url}/app/dashboard?integrated_account_id={seeded.account}"
            f"&token={seeded.member_token}"
        )
        query = parse_qs(urlsplit(page.url).query)
        shown = _rows(page, "reps-table")
        _shot(page, "dashboard-member-375")
        page.goto(f"{seeded.stack.url}/app/snippets")
        snippets = page.locator("li[data-snippet]").evaluate_all(
            "(els) => els.map((el) => el.dataset.snippet)"
        )
        _shot(page, "snippets-member-375")
        cookies = {c["name"]: c for c in context.cookies()}
    finally:
        context.close()

    with seeded.stack.client(seeded.member_token) as member, seeded.stack.client() as admin:
        theirs = report(member, seeded.account)
        everyone = report(admin, seeded.account)
        their_feed = feed(member)
    assert "token" not in query  # the token left the address bar
    assert cookies["parley_session"]["httpOnly"] is True
    assert shown == api_rows(theirs)
    assert 0 < theirs["totals"]["meetings"] < everyone["totals"]["meetings"]
    assert snippets == [s["id"] for s in their_feed]
