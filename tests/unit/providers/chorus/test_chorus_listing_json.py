"""The JSON list path gives what the model path gives: the same meetings, the same JSON."""

from __future__ import annotations

import json
import random
from typing import Any

import pydantic_core
import pytest
from tests.unit.providers.chorus.test_chorus_listing import link, odd_row

from parley.accounts import MediaLinks
from parley.errors import ProviderResponseError
from parley.providers.chorus.listing import meeting_from_row
from parley.providers.chorus.listing_json import (
    MeetingJsonMemo,
    encode_meeting,
    engagement_rows,
    engagement_rows_of,
    links_key,
)
from parley.security import Vault
from parley.unified import EncodedMeeting


def whole(encoded: EncodedMeeting) -> bytes:
    """The Meeting object the route writes: `remote_data` last, as the model dumps it."""
    return encoded.whole()


def outcome(build: Any) -> tuple[str, Any]:
    try:
        return "ok", build()
    except ProviderResponseError as exc:
        return "error", exc.message


def assert_same(raw: bytes, recording_url: Any = link) -> None:
    """encode_meeting(raw) and the model path on the same bytes: equal JSON, equal order.

    Only `remote_data` may be spelled differently: the row's bytes as sent there, re-encoded
    by the model (e.g. `1e400` stays `1e400` instead of becoming null).
    """

    def reference() -> str:
        meeting = meeting_from_row(pydantic_core.from_json(raw), recording_url)
        return meeting.model_dump_json()

    def lean() -> str:
        return whole(encode_meeting(raw, recording_url)).decode()

    expected, got = outcome(reference), outcome(lean)
    assert expected[0] == got[0], raw
    if expected[0] == "error":
        assert got == expected
        return
    lean_object, model_object = json.loads(got[1]), json.loads(expected[1])
    assert list(lean_object) == list(model_object)  # field order too
    assert lean_object.pop("remote_data") == json.loads(b'{"engagement":' + raw + b"}")
    model_object.pop("remote_data")
    assert lean_object == model_object, raw


def test_the_spec_example_row_encodes_as_the_model_dumps(engagement: dict[str, Any]) -> None:
    raw = json.dumps(engagement).encode()
    assert_same(raw)
    assert_same(raw, recording_url=None)


@pytest.mark.parametrize("seed", range(20))
def test_odd_rows_encode_as_the_model_dumps(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        # `engagement_rows_of` writes rows msgspec refused to split (NaN, …) this way.
        raw = pydantic_core.to_json(odd_row(rng), inf_nan_mode="null")
        assert_same(raw, recording_url=link if rng.random() < 0.8 else None)


def test_remote_data_is_the_row_as_chorus_sent_it() -> None:
    raw = b'{ "engagement_id" : "E1", "duration": 1.50, "x": [1,2] }'

    encoded = encode_meeting(raw)

    assert encoded.id == "E1"
    assert encoded.remote_data == b'{"engagement":' + raw + b"}"


def test_a_row_without_an_id_is_a_provider_response_error() -> None:
    with pytest.raises(ProviderResponseError, match="without an id"):
        encode_meeting(b'{"engagement_id": "  ", "subject": "No id"}')


def test_a_row_with_a_number_past_64_bits_is_still_read() -> None:
    raw = b'{"engagement_id": "E1", "duration": 1e400, "tracker_matches": []}'

    assert_same(raw)
    assert json.loads(encode_meeting(raw).body)["duration"] is None


def test_a_page_splits_into_its_object_rows_in_order(engagements_page: dict[str, Any]) -> None:
    rows = [*engagements_page["engagements"], 3, "x", None, {"engagement_id": "E2"}]
    body = json.dumps({**engagements_page, "engagements": rows, "continuation_key": 42})

    page = engagement_rows(body.encode())

    assert page.continuation_key == "42"
    assert [json.loads(r) for r in page.rows] == [rows[0], {"engagement_id": "E2"}]


@pytest.mark.parametrize(
    "body",
    [b"{}", b'{"engagements": null}', b'{"engagements": {"a": 1}}', b'{"engagements": "x"}'],
)
def test_a_page_without_a_list_of_rows_has_none(body: bytes) -> None:
    page = engagement_rows(body)

    assert page.rows == []
    assert page.continuation_key is None


@pytest.mark.parametrize("body", [b"[]", b'{"engagements": [', b'{"a": NaN}', b"\xef\xbb\xbf{}"])
def test_what_msgspec_cannot_split_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        engagement_rows(body)


def test_a_decoded_page_splits_the_same_way() -> None:
    body = {"engagements": [{"engagement_id": "E1", "duration": float("nan")}, 7], "x": 1}

    page = engagement_rows_of(body)

    assert page is not None
    assert page.continuation_key is None
    assert [json.loads(r) for r in page.rows] == [{"engagement_id": "E1", "duration": None}]
    assert engagement_rows_of([body]) is None


def test_the_memo_answers_a_row_seen_before_with_the_same_encoding() -> None:
    memo = MeetingJsonMemo(size=2)
    raw = b'{"engagement_id": "E1", "processing_state": "done", "duration": 60}'

    first = memo.encode(raw, link, links_key(link))

    assert memo.encode(raw, link, links_key(link)) is first
    assert first == encode_meeting(raw, link)


def test_the_memo_keeps_accounts_links_apart() -> None:
    memo = MeetingJsonMemo()
    raw = b'{"engagement_id": "E1", "processing_state": "done", "duration": 60}'

    def other(meeting_id: str, kind: str) -> str:
        return f"https://elsewhere.test/{meeting_id}?kind={kind}"

    mine = memo.encode(raw, link, links_key(link))
    theirs = memo.encode(raw, other, links_key(other))
    none = memo.encode(raw, None, links_key(None))

    assert json.loads(mine.body)["audio_recording_url"] == link("E1", "audio")
    assert json.loads(theirs.body)["audio_recording_url"] == other("E1", "audio")
    assert json.loads(none.body)["audio_recording_url"] is None


def test_the_memo_hits_on_signed_links_within_a_step_and_mints_again_after(
    vault: Vault,
) -> None:
    now = [1_800_000_000.0]  # the start of a step
    links = MediaLinks(
        "https://parley.test", vault.signer(b"media-link"), ttl=900, clock=lambda: now[0]
    )
    link_of = links("acct-1")
    memo = MeetingJsonMemo()
    raw = b'{"engagement_id": "E1", "processing_state": "done", "duration": 60}'

    first = memo.encode(raw, link_of, links_key(link_of))
    now[0] += 59
    within = memo.encode(raw, link_of, links_key(link_of))
    now[0] += 1
    after = memo.encode(raw, link_of, links_key(link_of))

    assert within is first  # the links are the same strings for a whole step
    assert after is not first
    fresh = json.loads(after.body)["audio_recording_url"]
    assert fresh == link_of("E1", "audio") != json.loads(first.body)["audio_recording_url"]
    assert links.open(fresh.rsplit("/", 1)[1]).expires_at == now[0] + 900


def test_the_memo_drops_the_oldest_row_past_its_size() -> None:
    memo = MeetingJsonMemo(size=2)
    rows = [f'{{"engagement_id": "E{n}"}}'.encode() for n in range(3)]
    first = memo.encode(rows[0], None, None)
    for raw in rows[1:]:
        memo.encode(raw, None, None)

    assert len(memo) == 2
    assert memo.encode(rows[0], None, None) is not first  # encoded again
    with pytest.raises(ValueError, match="at least one"):
        MeetingJsonMemo(size=0)


def test_the_duration_is_rounded_to_the_millisecond_on_both_paths(
    engagement: dict[str, Any],
) -> None:
    raw = json.dumps({**engagement, "duration": 2201.7 + 6.7}).encode()

    fast = json.loads(whole(encode_meeting(raw)))
    model = meeting_from_row(json.loads(raw))

    assert fast["duration"] == model.duration == 2208.4
    assert b'"duration":2208.4,' in encode_meeting(raw).body
