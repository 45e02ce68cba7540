"""Deletion bookkeeping and the detail decision: pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from parley.storage.repositories.store import StoredMeetingState, content_hash, meeting_record
from parley.sync.checkpoint import Checkpoint, page_band, prune_candidates
from parley.sync.engine import needs_details
from parley.unified import Meeting, MeetingStatus, TranscriptEntry

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _at(hours: int) -> datetime:
    return NOW - timedelta(hours=hours)


def test_sync_checkpoint_survives_its_json_form() -> None:
    checkpoint = Checkpoint(
        window_start=_at(72), window_end=NOW, position="k", upper=_at(5), candidates=["a"]
    )
    checkpoint.previous_ids = ["x", "y"]
    checkpoint.pages = 3

    assert Checkpoint.from_json(checkpoint.to_json()) == checkpoint


def test_sync_page_band_runs_from_the_previous_page_down_to_its_oldest_start() -> None:
    first = Checkpoint(window_start=_at(72), window_end=NOW)
    later = Checkpoint(window_start=_at(72), window_end=NOW, upper=_at(10))

    assert page_band(first, [_at(1), _at(4)], last=False) == (_at(4), None)
    assert page_band(later, [_at(11), None, _at(20)], last=False) == (_at(20), _at(10))
    assert page_band(later, [_at(30)], last=True) == (_at(72), _at(10))
    assert page_band(later, [], last=True) == (_at(72), _at(10))
    assert page_band(later, [None], last=False) is None


def test_sync_candidates_are_unlisted_ids_in_the_band_until_a_page_lists_them() -> None:
    checkpoint = Checkpoint(window_start=None, window_end=NOW, candidates=["moved", "gone"])
    checkpoint.previous_ids = ["boundary"]

    after = prune_candidates(checkpoint, ["a", "b", "boundary", "stale"], ["a", "b", "moved"])

    assert after == ["gone", "stale"]


def _meeting(status: MeetingStatus, row: dict[str, object]) -> Meeting:
    return Meeting(id="m1", status=status, remote_data={"engagement": row})


def _state(row: dict[str, object], *, details: bool = True) -> StoredMeetingState:
    return StoredMeetingState("m1", "h", details, {"engagement": row})


def test_sync_fetches_details_only_for_new_or_changed_completed_calls() -> None:
    row = {"engagement_id": "m1", "subject": "Demo"}
    done = _meeting(MeetingStatus.COMPLETED, row)

    assert needs_details(done, None)
    assert needs_details(done, _state(row, details=False))
    assert needs_details(done, _state({**row, "subject": "Renamed"}))
    assert not needs_details(done, _state(dict(reversed(list(row.items())))))
    assert not needs_details(_meeting(MeetingStatus.PROCESSING, row), None)


def test_sync_content_hash_ignores_key_order_but_not_the_transcript() -> None:
    entry = TranscriptEntry(index=0, text="We can do 15% off.", start_time=1.0, end_time=3.0)
    bare = Meeting(id="m1", title="Demo", status=MeetingStatus.COMPLETED)
    with_transcript = bare.model_copy(update={"transcript": [entry]})
    edited = bare.model_copy(update={"transcript": [entry.model_copy(update={"text": "No."})]})

    hashes = {
        meeting_record(m, has_details=True).content_hash for m in (bare, with_transcript, edited)
    }

    assert len(hashes) == 3
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert meeting_record(bare, has_details=True).data["transcript"] is None
