"""The lean list path gives what the reference mapping gives, row for row, odd values included."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from parley.errors import ProviderResponseError
from parley.providers.chorus.listing import meeting_from_row
from parley.providers.chorus.mapping import map_meeting

ODD: list[Any] = [
    None,
    "",
    "  ",
    "x",
    " Done ",
    "done",
    "no show",
    "Scheduled",
    "processing",
    "meeting",
    "DIALER",
    "email",
    "rep",
    "true",
    "FALSE",
    "1632490362",
    "2021-09-24T13:32:42Z",
    "2021-09-24T13:32:42",
    "2021-09-24T15:32:42+02:00",
    0,
    5,
    -3,
    3.0,
    3.5,
    1632490362,
    1632490362000,
    2**60,
    10**400,
    float("nan"),
    float("inf"),
    True,
    False,
    [],
    {},
    ["x"],
]
ROW_FIELDS = [
    "engagement_id",
    "subject",
    "engagement_type",
    "processing_state",
    "date_time",
    "duration",
    "language",
    "url",
    "user_id",
    "user_name",
    "user_email",
    "account_id",
    "account_name",
    "opportunity_id",
    "opportunity_name",
    "no_show",
]
PARTICIPANT_FIELDS = ["person_id", "user_id", "name", "email", "title", "company_name", "type"]
OWNER = {"user_id": 305921, "user_email": "Mike@Example.com"}


def link(meeting_id: str, kind: str) -> str:
    return f"https://parley.test/meetings/{meeting_id}/recording?kind={kind}"


def outcome(build: Any) -> tuple[str, Any]:
    try:
        return "ok", build().model_dump()
    except ProviderResponseError as exc:
        return "error", exc.message


def assert_same(row: dict[str, Any], recording_url: Any = link) -> None:
    reference = outcome(lambda: map_meeting(copy.deepcopy(row), None, recording_url=recording_url))
    lean = outcome(lambda: meeting_from_row(copy.deepcopy(row), recording_url))
    assert lean == reference, row


def odd_row(rng: random.Random) -> dict[str, Any]:
    row: dict[str, Any] = {name: rng.choice(ODD) for name in ROW_FIELDS if rng.random() < 0.8}
    if rng.random() < 0.7:
        row["engagement_id"] = rng.choice(["E1", " E2 ", 42, "e/3 x"])
    if rng.random() < 0.3:
        row.update(OWNER)
    participants: list[Any] = []
    for _ in range(rng.randrange(5)):
        person = {name: rng.choice(ODD) for name in PARTICIPANT_FIELDS if rng.random() < 0.6}
        if rng.random() < 0.3:
            person.update(user_id=305921, email="mike@example.com")
        participants.append(person if rng.random() < 0.9 else rng.choice([None, "x", 3]))
    row["participants"] = participants if rng.random() < 0.9 else rng.choice(ODD)
    matches = [
        {"name": rng.choice(ODD), "num_matches": rng.choice(ODD), "type": rng.choice(ODD)}
        for _ in range(rng.randrange(4))
    ]
    row["tracker_matches"] = matches if rng.random() < 0.9 else rng.choice(ODD)
    return row


def test_the_spec_example_row_maps_the_same(engagement: dict[str, Any]) -> None:
    assert_same(engagement)
    assert_same(engagement, recording_url=None)


@pytest.mark.parametrize("seed", range(20))
def test_odd_rows_map_the_same(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        assert_same(odd_row(rng), recording_url=link if rng.random() < 0.8 else None)


def test_remote_data_is_a_copy_of_the_row(engagement: dict[str, Any]) -> None:
    meeting = meeting_from_row(engagement)

    assert meeting.remote_data == {"engagement": engagement}
    assert meeting.remote_data["engagement"] is not engagement


def test_a_row_without_an_id_is_a_provider_response_error() -> None:
    with pytest.raises(ProviderResponseError, match="without an id"):
        meeting_from_row({"engagement_id": "  ", "subject": "No id"})


def test_a_row_that_is_not_an_object_is_a_provider_response_error() -> None:
    with pytest.raises(ProviderResponseError, match="not a JSON object"):
        meeting_from_row(["nope"])  # type: ignore[arg-type]
