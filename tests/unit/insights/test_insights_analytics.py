"""Team analytics, pure parts: one meeting's inputs, and rows pooled from base groups."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from parley.insights.analytics_inputs import meeting_inputs, week_of
from parley.insights.analytics_rows import Pool, RowSpec, fold
from parley.storage.repositories.analytics import GroupSums
from parley.unified import Meeting

OWNER = "u1"


def _meeting(
    entries: list[tuple[str | None, str, float | None, float | None]], **extra: Any
) -> Meeting:
    """A completed meeting owned by u1; speakers: s1 = u1, s2 = another user, g = a guest."""
    return Meeting.model_validate(
        {
            "id": "m1",
            "status": "completed",
            "start_time": "2026-12-03T09:30:00Z",
            "duration": 600.0,
            "owner": {"user_id": OWNER, "name": "Ada"},
            "speakers": [
                {"speaker_id": "s1", "type": "user", "user_id": OWNER},
                {"speaker_id": "s2", "type": "user", "user_id": "u2"},
                {"speaker_id": "g", "type": "guest"},
            ],
            "transcript": [
                {
                    "index": i,
                    "speaker_id": sid,
                    "speaker_type": kind,
                    "text": "…",
                    "start_time": start,
                    "end_time": end,
                }
                for i, (sid, kind, start, end) in enumerate(entries)
            ],
            **extra,
        }
    )


def test_talk_time_is_summed_per_speaker_group_from_entry_times() -> None:
    inputs = meeting_inputs(
        _meeting(
            [
                ("s1", "user", 0.0, 10.0),
                ("g", "guest", 11.0, 16.5),
                ("s2", "user", 17.0, 20.0),
                (None, "unknown", 20.0, 21.0),
                ("s1", "user", 22.0, None),  # no end: no talk time
            ]
        )
    )

    assert inputs is not None
    assert (inputs.owner_talk, inputs.guest_talk, inputs.total_talk) == (10.0, 5.5, 19.5)
    assert (inputs.owner_user_id, inputs.owner_name, inputs.duration) == (OWNER, "Ada", 600.0)


def test_the_longest_monologue_spans_consecutive_owner_entries_only() -> None:
    inputs = meeting_inputs(
        _meeting(
            [
                ("s1", "user", 0.0, 5.0),
                ("s1", "user", 6.0, 30.0),  # run 0..30
                ("g", "guest", 31.0, 32.0),
                ("s1", "user", 33.0, 40.0),
                ("s2", "user", 41.0, 42.0),  # another user breaks the run
                ("s1", "user", 43.0, 50.0),
            ]
        )
    )

    assert inputs is not None
    assert inputs.longest_monologue == 30.0


def test_a_meeting_counts_only_when_completed_with_a_transcript() -> None:
    one = [("s1", "user", 0.0, 1.0)]

    assert meeting_inputs(_meeting(one, status="processing")) is None
    assert meeting_inputs(_meeting([])) is None
    assert meeting_inputs(_meeting(one).model_copy(update={"transcript": None})) is None
    assert meeting_inputs(_meeting(one)) is not None


def test_topics_are_matched_trackers_merged_by_name() -> None:
    trackers = [
        {"name": "Pricing", "count": 2},
        {"name": "Pricing", "count": 0, "mentions": [{"segment_index": 3}]},
        {"name": "Bugs", "count": 0},  # did not match
        {"name": "Next Steps", "count": 0, "mentions": [{"segment_index": 1}] * 2},
    ]
    inputs = meeting_inputs(_meeting([("s1", "user", 0.0, 1.0)], trackers=trackers))

    assert inputs is not None
    assert inputs.topics == (("Next Steps", 2), ("Pricing", 3))


@pytest.mark.parametrize(
    ("start", "monday"),
    [
        (datetime(2026, 12, 3, 9, 30, tzinfo=UTC), "2026-11-30"),
        (datetime(2026, 11, 30, 0, 0, tzinfo=UTC), "2026-11-30"),
        (datetime(2026, 11, 29, 23, 59, tzinfo=UTC), "2026-11-23"),
        # 01:00 on Monday in Berlin is still Sunday in UTC.
        (datetime.fromisoformat("2026-11-30T01:00:00+02:00"), "2026-11-23"),
    ],
)
def test_the_week_is_the_monday_utc_of_the_start(start: datetime, monday: str) -> None:
    assert week_of(start) == monday


def _group(meetings: int, owner: float, guest: float, total: float, longest: float) -> GroupSums:
    return GroupSums("k", meetings, 100.0 * meetings, owner, guest, total, longest, None)


def test_ratios_are_pooled_over_groups_not_averaged() -> None:
    pool = Pool()
    pool.add(_group(1, 90.0, 10.0, 100.0, 12.0))  # 0.9 alone
    pool.add(_group(3, 100.0, 800.0, 900.0, 7.5))  # 0.111 alone

    row = pool.row("t1", "Team")

    assert row.talk_ratio == 0.19  # 190 / 1000, not (0.9 + 0.111) / 2
    assert row.customer_talk_ratio == 0.81
    assert (row.meetings, row.total_duration, row.avg_duration) == (4, 400.0, 100.0)
    assert row.longest_monologue == 12.0


def test_rows_round_seconds_to_the_millisecond_and_ratios_to_four_places() -> None:
    pool = Pool()
    pool.add(GroupSums("k", 3, 1000.00049, 1.0, 2.0, 3.0, 0.12345, None))

    row = pool.row("k", None)

    assert (row.total_duration, row.avg_duration, row.longest_monologue) == (1000.0, 333.333, 0.123)
    assert (row.talk_ratio, row.customer_talk_ratio) == (0.3333, 0.6667)


def test_topics_are_the_top_ten_by_meetings_then_name() -> None:
    pool = Pool()
    names = [f"T{n:02d}" for n in range(12)]
    pool.add(_group(1, 0, 0, 0, 0), [(name, 1, 1) for name in names])
    pool.add(_group(1, 0, 0, 0, 0), [("T11", 1, 4), ("T10", 1, 1)])

    topics = pool.row("k", None).topics

    assert [t.name for t in topics] == ["T10", "T11", *names[:8]]
    assert (topics[1].meetings, topics[1].mentions) == (2, 5)


def test_nothing_to_divide_gives_zeros() -> None:
    row = Pool().row(None, None)

    assert row.model_dump() == {
        "key": None,
        "name": None,
        "meetings": 0,
        "total_duration": 0.0,
        "avg_duration": 0.0,
        "talk_ratio": 0.0,
        "customer_talk_ratio": 0.0,
        "longest_monologue": 0.0,
        "topics": [],
    }


def test_totals_count_a_group_in_two_rows_once() -> None:
    ada = GroupSums("ada", 2, 200.0, 50.0, 50.0, 100.0, 9.0, None)
    bo = GroupSums("bo", 1, 50.0, 10.0, 30.0, 40.0, 3.0, None)
    topics = {"ada": [("Pricing", 2, 3)], "bo": [("Pricing", 1, 1)]}

    rows, totals = fold([RowSpec("t1", "East", [ada, bo]), RowSpec("t2", "All", [ada])], topics)

    assert [(r.key, r.meetings) for r in rows] == [("t1", 3), ("t2", 2)]
    assert (totals.meetings, totals.total_duration, totals.talk_ratio) == (3, 250.0, 0.4286)
    assert totals.topics[0].model_dump() == {"name": "Pricing", "meetings": 3, "mentions": 4}
