"""The pure parts of the dashboard and snippets page models: weeks, charts, links, highlights."""

from __future__ import annotations

from parley.insights.analytics_rows import AnalyticsRow, Topic
from parley.insights.dashboard import charts_of, week_points
from parley.insights.page_links import playback_page
from parley.insights.snippet_page import safe_highlight


def _row(key: str, name: str, meetings: int, talk: float = 0.5) -> AnalyticsRow:
    return AnalyticsRow(
        key=key, name=name, meetings=meetings, total_duration=0.0, avg_duration=0.0,
        talk_ratio=talk, customer_talk_ratio=1 - talk, longest_monologue=0.0, topics=[],
    )  # fmt: skip


def test_weeks_come_oldest_first_with_the_empty_weeks_between_as_zeros() -> None:
    rows = [
        _row("2024-03-18T00:00:00Z", "2024-W12", 4),
        _row("2024-03-04T00:00:00Z", "2024-W10", 2),
    ]

    points = week_points(rows)

    assert [(p.name, p.meetings) for p in points] == [
        ("2024-W10", 2),
        ("2024-W11", 0),
        ("2024-W12", 4),
    ]
    assert points[1].key == "2024-03-11T00:00:00Z"


def test_weeks_across_a_new_year_are_named_by_their_iso_year() -> None:
    rows = [_row("2024-12-30T00:00:00Z", "2025-W01", 1), _row("2024-12-23T00:00:00Z", "", 1)]

    assert [p.name for p in week_points(rows)] == ["2024-W52", "2025-W01"]
    assert week_points([]) == []


def test_the_charts_draw_the_tables_own_numbers() -> None:
    reps = [_row("u1", "Ada", 3, 0.4321), _row("u2", "", 1, 0.25)]
    topics = [Topic(name="Pricing", meetings=3, mentions=7)]

    charts = charts_of(reps, week_points([_row("2024-03-04T00:00:00Z", "", 3)]), topics)

    assert charts["talk"] == {
        "labels": ["Ada", "u2"],
        "talk_ratio": [0.4321, 0.25],
        "customer_talk_ratio": [reps[0].customer_talk_ratio, 0.75],
    }
    assert charts["weeks"] == {"labels": ["2024-W10"], "meetings": [3]}
    assert charts["topics"] == {"labels": ["Pricing"], "meetings": [3]}


def test_a_playback_link_is_the_page_at_the_second_relative_to_parley() -> None:
    assert playback_page("acc-1", "m/1", 75.0) == (
        "/app/meetings/m%2F1?integrated_account_id=acc-1&t=75"
    )
    assert (
        playback_page("acc-1", "m1", 12.34) == "/app/meetings/m1?integrated_account_id=acc-1&t=12.3"
    )
    assert playback_page("acc-1", "m1") == "/app/meetings/m1?integrated_account_id=acc-1"


def test_a_highlight_keeps_only_its_marks_as_markup() -> None:
    stored = "It &lt;b&gt;doesn't&lt;/b&gt; <mark>work</mark> &amp; <mark>bug</mark>"

    assert safe_highlight(stored) == stored
    assert safe_highlight("<script>x()</script> <mark>bug</mark>") == (
        "&lt;script&gt;x()&lt;/script&gt; <mark>bug</mark>"
    )
    assert safe_highlight('<mark onclick="x">bug</mark>') == ('&lt;mark onclick="x"&gt;bug</mark>')
