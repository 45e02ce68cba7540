"""Response bodies: the output options applied while pydantic-core serialises the models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from parley.api import render
from parley.api.params import OutputOptions
from parley.providers.chorus.listing import meeting_from_row
from parley.providers.chorus.listing_json import encode_meeting
from parley.unified import Attendee, Meeting, MeetingStatus, User

MEETING = Meeting(
    id="M1",
    title="Pricing call",
    status=MeetingStatus.COMPLETED,
    start_time=datetime(2021, 9, 24, 13, 32, 42, tzinfo=UTC),
    duration=2355.42,
    attendees=[Attendee(id="P1", name="Ann")],
    remote_data={"engagement": {"engagement_id": "M1", "subject": "Pricing call"}},
)
USER = User(id="U1", name="Ann", remote_data={"id": "U1", "name": "Ann", "role": "rep"})


def options(
    response_format: str = "unified", exclude: tuple[str, ...] = (), ignore: bool = False
) -> OutputOptions:
    return OutputOptions(response_format, frozenset(exclude), ignore)  # type: ignore[arg-type]


def body(response: Any) -> Any:
    assert response.media_type == "application/json"
    return json.loads(response.body)


def test_one_object_is_its_json_dump() -> None:
    assert body(render.one(MEETING, options())) == MEETING.model_dump(mode="json")
    assert body(render.one(MEETING, options()))["start_time"] == "2021-09-24T13:32:42Z"


def test_a_number_json_cannot_carry_is_null() -> None:
    odd = MEETING.model_copy(update={"duration": float("nan")})

    assert body(render.one(odd, options()))["duration"] is None


def test_a_page_is_the_list_envelope() -> None:
    page = body(render.page([MEETING, MEETING], "next-1", options()))

    assert page == {
        "result": [MEETING.model_dump(mode="json")] * 2,
        "next_cursor": "next-1",
        "result_count": 2,
    }


@pytest.mark.parametrize("many", [False, True])
def test_excluded_and_remote_fields_are_dropped(many: bool) -> None:
    out = options(exclude=("attendees", "not_a_field"), ignore=True)
    shaped = body(render.page([MEETING], None, out))["result"][0] if many else None
    shaped = shaped or body(render.one(MEETING, out))

    expected = MEETING.model_dump(mode="json")
    del expected["attendees"], expected["remote_data"]
    assert shaped == expected


def test_raw_format_is_the_provider_json_minus_excluded_fields() -> None:
    out = options("raw", exclude=("role",), ignore=True)

    assert body(render.one(USER, out)) == {"id": "U1", "name": "Ann"}
    assert body(render.page([USER, MEETING], None, out))["result"] == [
        {"id": "U1", "name": "Ann"},
        {"engagement": {"engagement_id": "M1", "subject": "Pricing call"}},
    ]


def test_an_empty_page_counts_zero() -> None:
    assert body(render.page([], None, options())) == {
        "result": [],
        "next_cursor": None,
        "result_count": 0,
    }


ROWS = [
    {"engagement_id": "E1", "subject": "Pricing", "processing_state": "done", "duration": 60.5},
    {"engagement_id": "E2", "engagement_type": "dialer", "date_time": 1632490362, "x": [1]},
]


@pytest.mark.parametrize(
    "out",
    [
        options(),
        options(ignore=True),
        options(exclude=("title", "attendees")),
        options(exclude=("remote_data", "status")),
        options("raw"),
        options("raw", exclude=("engagement",)),
        options("raw", ignore=True),
    ],
)
@pytest.mark.parametrize("cursor", [None, "next-1"])
def test_an_encoded_page_is_the_page_of_the_same_meetings(
    out: OutputOptions, cursor: str | None
) -> None:
    encoded = [encode_meeting(json.dumps(row).encode()) for row in ROWS]
    models = [meeting_from_row(row) for row in ROWS]

    response = render.encoded_page(encoded, cursor, out)

    assert body(response) == body(render.page(models, cursor, out))
    assert list(body(response)) == ["result", "next_cursor", "result_count"]


def test_an_empty_encoded_page_is_an_empty_envelope() -> None:
    assert body(render.encoded_page([], None, options())) == {
        "result": [],
        "next_cursor": None,
        "result_count": 0,
    }


def test_both_list_paths_write_id_first_and_remote_data_last() -> None:
    encoded = [encode_meeting(json.dumps(row).encode()) for row in ROWS]
    models = [meeting_from_row(row) for row in ROWS]

    fast = body(render.encoded_page(encoded, None, options()))["result"]
    slow = body(render.page(models, None, options()))["result"]

    for meeting in (*fast, *slow):
        keys = list(meeting)
        assert (keys[0], keys[-1]) == ("id", "remote_data")
    assert [list(m) for m in fast] == [list(m) for m in slow]
