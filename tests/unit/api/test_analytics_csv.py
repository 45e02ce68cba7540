"""The analytics CSV: the documented header, flattened topics, no formula a spreadsheet runs."""

from __future__ import annotations

import csv
import io

from parley.api.routes.insights_analytics import CSV_COLUMNS, render_csv
from parley.insights.analytics_rows import AnalyticsRow, Topic


def _row(key: str | None, name: str | None, topics: list[Topic]) -> AnalyticsRow:
    return AnalyticsRow(
        key=key, name=name, meetings=2, total_duration=61.5, avg_duration=30.75,
        talk_ratio=0.5, customer_talk_ratio=0.25, longest_monologue=12.0, topics=topics,
    )  # fmt: skip


def test_rows_flatten_topics_and_neutralise_formulas() -> None:
    rows = [
        _row("u1", "=HYPERLINK(\"http://evil\")", [Topic(name="Pricing", meetings=2, mentions=5),
                                                   Topic(name="-Next", meetings=1, mentions=1)]),
        _row(None, "Totals", []),
    ]  # fmt: skip

    lines = list(csv.reader(io.StringIO(render_csv(rows))))

    assert lines[0] == list(CSV_COLUMNS)
    assert lines[1] == [
        "u1", "'=HYPERLINK(\"http://evil\")", "2", "61.5", "30.75", "0.5", "0.25", "12.0",
        "Pricing (2/5); -Next (1/1)",
    ]  # fmt: skip
    assert lines[2] == ["", "Totals", "2", "61.5", "30.75", "0.5", "0.25", "12.0", ""]
