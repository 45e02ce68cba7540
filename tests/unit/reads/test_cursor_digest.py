"""The one rule every list route binds its cursors with: which filters count."""

from __future__ import annotations

from parley.reads.cursor import filters_digest


def test_filters_not_given_make_the_same_cursor_as_absent_ones() -> None:
    absent = filters_digest("acc", "meetings", {})
    for not_given in (None, (), [], {}):
        assert filters_digest("acc", "meetings", {"user_ids": not_given}) == absent


def test_an_empty_string_was_given_and_counts() -> None:
    assert filters_digest("acc", "search", {"user_id": ""}) != filters_digest("acc", "search", {})


def test_order_account_and_resource_all_count() -> None:
    one = filters_digest("acc", "meetings", {"a": 1, "b": [2]})
    assert one == filters_digest("acc", "meetings", {"b": [2], "a": 1})
    assert one != filters_digest("other", "meetings", {"a": 1, "b": [2]})
    assert one != filters_digest("acc", "users", {"a": 1, "b": [2]})
    assert one != filters_digest("acc", "meetings", {"a": 2, "b": [2]})
