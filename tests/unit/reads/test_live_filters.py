"""Live meeting filters by their API names: what a cursor binds and a provider must honour."""

from __future__ import annotations

from parley.providers.base import MeetingFilters
from parley.reads.cursor import filters_digest
from parley.reads.live import meeting_filter_values


def test_filters_not_given_are_none() -> None:
    assert set(meeting_filter_values(MeetingFilters()).values()) == {None}


def test_the_same_owners_however_spelled_bind_the_same_cursor() -> None:
    spaced = meeting_filter_values(MeetingFilters(user_ids=("u1", "u2")))

    assert spaced["user_id"] == "u1,u2"
    assert filters_digest("acc", "meetings", spaced) != filters_digest(
        "acc", "meetings", meeting_filter_values(MeetingFilters(user_ids=("u2", "u1")))
    )
    assert filters_digest("acc", "meetings", spaced) == filters_digest(
        "acc", "meetings", meeting_filter_values(MeetingFilters(user_ids=("u1", "u2")))
    )
