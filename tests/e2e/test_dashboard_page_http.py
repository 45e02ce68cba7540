"""The dashboard and snippets pages as served HTML, over real HTTP after a real sync.

Every number a page shows is compared with the JSON API's answer for the same filters and
the same caller (`/insights/analytics`, `/insights/deals`, `/insights/snippets`): the pages
read through the same services and scope. The browser's side (charts drawn, forms, clicks)
is `test_dashboard_page_browser`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from e2e_stack import BACKENDS, synced_stack
from insight_pages import (
    DEALS,
    SNIPPETS,
    Seeded,
    api_rows,
    feed,
    playback,
    report,
    seed,
    table_rows,
    tags,
)

from parley.sandbox.config import SandboxConfig

SANDBOX = SandboxConfig(seed=7, meetings=80)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_server: Any
) -> Iterator[Seeded]:
    tmp = tmp_path_factory.mktemp("dashboard-http")
    with synced_stack(request.param, tmp, postgres_server, SANDBOX) as (stack, account):
        yield seed(stack, account)


def _page(client: httpx.Client, path: str, **params: Any) -> str:
    response = client.get(path, params=params or None)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def _charts(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="dashboard-charts">(.*?)</script>', html)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def _days(body: dict[str, Any]) -> tuple[str, str]:
    """A range of whole days inside the report's weeks: its second week to its last-but-one."""
    weeks = sorted(row["key"] for row in body["result"])
    assert len(weeks) >= 4, "the sandbox must span a few weeks"
    return weeks[1][:10], (datetime.fromisoformat(weeks[-2]) + timedelta(days=6)).date().isoformat()


def test_the_rep_table_is_the_analytics_report_row_by_row(seeded: Seeded) -> None:
    with seeded.stack.client() as client:
        html = _page(client, "/app/dashboard", integrated_account_id=seeded.account)
        expected = report(client, seeded.account)

    assert len(expected["result"]) >= 3
    assert table_rows(html, "reps-table") == api_rows(expected)
    topics = [(t["name"], {"meetings": t["meetings"], "mentions": t["mentions"]})
              for t in expected["totals"]["topics"]]  # fmt: skip
    assert table_rows(html, "topics-table") == topics


def test_the_week_table_is_the_weekly_report_oldest_first_with_empty_weeks_as_zeros(
    seeded: Seeded,
) -> None:
    with seeded.stack.client() as client:
        html = _page(client, "/app/dashboard", integrated_account_id=seeded.account)
        weekly = report(client, seeded.account, group_by="week")

    shown = table_rows(html, "weeks-table")
    counts = {row["key"]: row["meetings"] for row in weekly["result"]}
    assert {key: n for key, cells in shown if (n := cells["meetings"])} == counts
    starts = [datetime.fromisoformat(key) for key, _ in shown]
    assert starts == [starts[0] + timedelta(weeks=n) for n in range(len(starts))]
    assert sum(cells["meetings"] for _, cells in shown) == weekly["totals"]["meetings"]


def test_a_team_and_a_date_range_filter_the_tables_as_the_api_does(seeded: Seeded) -> None:
    with seeded.stack.client() as client:
        everyone = report(client, seeded.account)
        teams = report(client, seeded.account, group_by="team")["result"]
        team = min(teams, key=lambda row: row["meetings"])  # the smallest: it must differ
        first, last = _days(report(client, seeded.account, group_by="week"))
        html = _page(
            client,
            "/app/dashboard",
            integrated_account_id=seeded.account,
            team_id=team["key"],
            **{"from": first, "to": last},
        )
        expected = report(
            client,
            seeded.account,
            team_id=team["key"],
            start_time_after=f"{first}T00:00:00Z",
            start_time_before=f"{last}T23:59:59.999999Z",
        )

    assert table_rows(html, "reps-table") == api_rows(expected)
    assert api_rows(expected) != api_rows(everyone)
    # The form shows what it filtered by.
    assert f'<option value="{team["key"]}" selected>' in html
    assert f'value="{first}"' in html
    assert f'value="{last}"' in html


def test_the_charts_draw_the_numbers_of_their_tables(seeded: Seeded) -> None:
    with seeded.stack.client() as client:
        html = _page(client, "/app/dashboard", integrated_account_id=seeded.account)

    charts = _charts(html)
    reps = table_rows(html, "reps-table")
    assert charts["talk"]["talk_ratio"] == [cells["talk_ratio"] for _, cells in reps]
    assert charts["talk"]["customer_talk_ratio"] == [
        cells["customer_talk_ratio"] for _, cells in reps
    ]
    assert charts["weeks"]["meetings"] == [
        c["meetings"] for _, c in table_rows(html, "weeks-table")
    ]
    topics = table_rows(html, "topics-table")
    assert charts["topics"] == {
        "labels": [name for name, _ in topics],
        "meetings": [cells["meetings"] for _, cells in topics],
    }
    # Nothing from the internet: the chart library is Parley's own copy.
    scripts = [s["src"] for s in tags(html, "script", "src")]
    assert "/static/vendor/chart.js-4.5.1/chart.umd.min.js" in scripts
    assert all((src or "").startswith("/static/") for src in scripts)
    with seeded.stack.client() as client:
        library = client.get("/static/vendor/chart.js-4.5.1/chart.umd.min.js")
    assert library.status_code == 200
    assert "Chart.js v4.5.1" in library.text[:200]


def test_deals_at_risk_list_their_signals_with_evidence_linked_to_playback(
    seeded: Seeded,
) -> None:
    with seeded.stack.client() as client:
        html = _page(client, "/app/dashboard", integrated_account_id=seeded.account)
        deals = client.get(
            DEALS, params={"integrated_account_id": seeded.account, "limit": 25}
        ).json()["result"]

    at_risk = [d for d in deals if d["risk"]["level"] != "low"]
    assert at_risk, "the sandbox must hold a deal at risk"
    assert [row["data-deal"] for row in tags(html, "tr", "data-deal")] == [d["id"] for d in at_risk]
    expected = [
        playback(seeded.account, e["meeting_id"], e.get("start_time"))
        for d in at_risk
        for s in d["risk"]["signals"]
        for e in s["evidence"]
    ]
    links = [a["href"] for a in tags(html, "a", "href") if a.get("class") == "evidence-link"]
    assert links == expected
    for deal in at_risk:
        for signal in deal["risk"]["signals"]:
            assert signal["summary"] in html


def test_a_malformed_or_reversed_date_range_is_a_400_page(seeded: Seeded) -> None:
    with seeded.stack.client() as client:
        bad = client.get(
            "/app/dashboard", params={"integrated_account_id": seeded.account, "from": "31/05"}
        )
        reversed_ = client.get(
            "/app/dashboard",
            params={
                "integrated_account_id": seeded.account,
                "from": "2024-05-02",
                "to": "2024-05-01",
            },
        )

    for response, words in ((bad, "`from` must be a date"), (reversed_, "`to` is before `from`")):
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")
        assert words in response.text


def test_a_member_sees_only_their_meetings_and_no_other_account(seeded: Seeded) -> None:
    token = seeded.member_token
    with seeded.stack.client(token) as member, seeded.stack.client() as admin:
        html = _page(member, "/app/dashboard", integrated_account_id=seeded.account)
        theirs = report(member, seeded.account)
        everyone = report(admin, seeded.account)
        snippets = _page(member, "/app/snippets")
        their_feed = feed(member)
        their_deals = member.get(DEALS, params={"limit": 25}).json()["result"]
        every_deal = admin.get(DEALS, params={"integrated_account_id": seeded.account}).json()
        other = member.get("/app/dashboard", params={"integrated_account_id": "another-account"})
        other_feed = member.get("/app/snippets", params={"integrated_account_id": "another"})

    assert table_rows(html, "reps-table") == api_rows(theirs)
    assert 0 < theirs["totals"]["meetings"] < everyone["totals"]["meetings"]
    shown = [li["data-snippet"] for li in tags(snippets, "li", "data-snippet")]
    assert shown == [s["id"] for s in their_feed]
    deals = [row["data-deal"] for row in tags(html, "tr", "data-deal")]
    assert deals == [d["id"] for d in their_deals if d["risk"]["level"] != "low"]
    assert len(their_deals) < len(every_deal["result"])
    for response in (other, other_feed):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")


def test_the_snippets_page_is_the_feed_newest_first_with_play_links_at_the_clip(
    seeded: Seeded,
) -> None:
    with seeded.stack.client() as client:
        html = _page(client, "/app/snippets", integrated_account_id=seeded.account)
        first = feed(client, integrated_account_id=seeded.account)
        query = {"integrated_account_id": seeded.account, "limit": 50}
        cursor = client.get(SNIPPETS, params=query).json()["next_cursor"]
        second = client.get(SNIPPETS, params={**query, "next_cursor": cursor}).json()["result"]
        older = re.search(r'<a rel="next" href="([^"]+)"', html)
        assert older is not None, "the sandbox must hold more than a page of snippets"
        next_html = _page(client, older.group(1).replace("&amp;", "&"))

    items = tags(html, "li", "data-snippet")
    assert [li["data-snippet"] for li in items] == [s["id"] for s in first]
    starts = [datetime.fromisoformat(li["data-meeting-start"] or "") for li in items]
    assert starts == sorted(starts, reverse=True)
    plays = [a["href"] for a in tags(html, "a", "href") if a.get("class") == "play"]
    assert plays == [playback(seeded.account, s["meeting_id"], s["start_time"]) for s in first]
    for snippet in first[:5]:
        assert snippet["highlight"] in html
    assert [li["data-snippet"] for li in tags(next_html, "li", "data-snippet")] == [
        s["id"] for s in second
    ]


def test_the_rule_filter_shows_one_rules_snippets(seeded: Seeded) -> None:
    rule = seeded.rule_ids[1]
    with seeded.stack.client() as client:
        html = _page(client, "/app/snippets", integrated_account_id=seeded.account, rule_id=rule)
        expected = feed(client, integrated_account_id=seeded.account, rule_id=rule)

    assert expected
    assert [li["data-snippet"] for li in tags(html, "li", "data-snippet")] == [
        s["id"] for s in expected
    ]
    options = [o["value"] for o in tags(html, "option", "value") if o["value"]]
    assert sorted(options) == sorted(seeded.rule_ids)
    assert f'<option value="{rule}" selected>' in html
