"""The answer caps: how many items fit in 30,000 characters, and cutting one that is over."""

from __future__ import annotations

from typing import Any

from parley.mcp.caps import MAX_CHARS, compact, fit, shrink


def _wrap(items: list[Any]) -> dict[str, Any]:
    return {"result": items, "next_cursor": "c" * 300 if items else None}


def test_every_item_fits_when_the_whole_answer_is_under_the_cap() -> None:
    items = [{"text": "x" * 100} for _ in range(20)]
    assert fit(items, _wrap) == 20


def test_a_long_listing_stops_at_the_last_item_that_fits() -> None:
    items = [{"id": i, "text": "x" * 1_000} for i in range(100)]
    count = fit(items, _wrap)
    assert len(compact(_wrap(items[:count]))) <= MAX_CHARS
    assert len(compact(_wrap(items[: count + 1]))) > MAX_CHARS
    assert 25 <= count < 30


def test_one_item_over_the_cap_still_counts_as_one() -> None:
    assert fit([{"text": "x" * 50_000}], _wrap) == 1
    assert fit([], _wrap) == 0


def test_shrink_cuts_the_longest_strings_and_says_so() -> None:
    meeting = {"summary": "s" * 40_000, "title": "Weekly", "notes": "n" * 5_000}
    cut, truncated = shrink(meeting, 10_000)
    assert truncated
    assert len(compact(cut)) <= 10_000
    assert cut["title"] == "Weekly"
    assert cut["summary"].endswith("… [truncated]")


def test_shrink_halves_long_lists_once_strings_are_short() -> None:
    deal = {"evidence": [{"id": i, "quote": "q" * 150} for i in range(500)]}
    cut, truncated = shrink(deal, 5_000)
    assert truncated
    assert len(compact(cut)) <= 5_000
    assert cut["evidence"][0] == {"id": 0, "quote": "q" * 150}


def test_shrink_leaves_what_fits_alone() -> None:
    value = {"a": "b" * 300}
    assert shrink(value, 1_000) == ({"a": "b" * 300}, False)
