"""Live meeting filters by their API names: what a cursor binds and a provider must honour."""

from __future__ import annotations

from parley.providers.base import MeetingFilters
from parley.reads.cursor import filters_digest
from parley.reads.live import meeting_filter_values


def test_filters_not_given_are_none() -> None:
    assert set(meeting_filter_values(MeetingFilters()).values()) == {None}


def test_owner_lists_are_bound_as_the_parameter_spells_them() -> None:
    given = meeting_filter_values(MeetingFilters(user_ids=("u1", "u2"), team_ids=("t1",)))

    assert (given["user_id"], given["team_id"]) == ("u1,u2", "t1")
    # Another owner list is another query: its cursor is not this one's.
    other = meeting_filter_values(MeetingFilters(user_ids=("u2", "u1"), team_ids=("t1",)))
    assert filters_digest("acc", "meetings", given) != filters_digest("acc", "meetings", other)
