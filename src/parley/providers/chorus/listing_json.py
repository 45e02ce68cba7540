"""The list path as JSON: a `/v3/engagements` body -> encoded list-level meetings (pure).

The unified meetings list answers JSON, and building a `Meeting` per row only to serialise it
again was most of that route's cost. Here the page is split into each row's own JSON text
(msgspec, without building the rows), each row is mapped by `listing.meeting_fields` — the
field map `meeting_from_row` validates into a `Meeting` — and encoded once, and the row's
bytes become `remote_data` as Chorus sent them.

`MeetingJsonMemo` keeps the encoding of rows seen before, keyed by their exact bytes and the
account's recording links: the mapping is a pure function of both, so a hit is exactly what
mapping again would give. Listing the same recent meetings again (a dashboard, the next
sync's look-back) then costs a dictionary lookup per row. Chorus is still asked every time.

`tests/unit/providers/chorus/test_chorus_listing_json.py` holds the result equal to the
model path on spec-shaped, odd and randomised rows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import pydantic_core

from parley.errors import ProviderResponseError
from parley.providers.chorus.coercion import as_text
from parley.providers.chorus.listing import meeting_fields
from parley.providers.chorus.mapping import RecordingUrl
from parley.unified import EncodedMeeting

__all__ = [
    "EngagementRows",
    "MeetingJsonMemo",
    "encode_meeting",
    "engagement_rows",
    "engagement_rows_of",
    "links_key",
]

#: rows kept by a memo: a row and its encoding take about 5 KB
MEMO_ROWS = 2048


class _Page(msgspec.Struct):
    # Raw: the rows are not decoded here, only delimited.
    engagements: msgspec.Raw = msgspec.Raw(b"null")
    continuation_key: Any = None


_page = msgspec.json.Decoder(_Page)
_rows = msgspec.json.Decoder(list[msgspec.Raw])
_row = msgspec.json.Decoder()
_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True, slots=True)
class EngagementRows:
    """One `/v3/engagements` page: the key of the next and each row's JSON object text."""

    continuation_key: str | None
    rows: list[bytes]


def engagement_rows(body: bytes) -> EngagementRows:
    """Split a page body into its rows (ValueError when msgspec cannot read it as a page).

    Like `ChorusEngagementPage`: a missing or non-list `engagements` is no rows, and
    elements that are not JSON objects are dropped.
    """
    page = _page.decode(body)
    rows: list[bytes] = []
    listed = memoryview(page.engagements)
    if listed[:1].tobytes() == b"[":
        rows = [raw for raw in map(bytes, _rows.decode(listed)) if raw[:1] == b"{"]
    return EngagementRows(as_text(page.continuation_key), rows)


def engagement_rows_of(body: Any) -> EngagementRows | None:
    """The same from a body already decoded (what msgspec refused: NaN, a BOM, huge numbers).

    None when the body is not a JSON object.
    """
    if not isinstance(body, dict):
        return None
    listed = body.get("engagements")
    objects = [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else []
    # Non-finite numbers as null, as a model dumps them: strict JSON for every client.
    rows = [pydantic_core.to_json(r, inf_nan_mode="null") for r in objects]
    return EngagementRows(as_text(body.get("continuation_key")), rows)


def _decoded(raw: bytes) -> Mapping[str, Any]:
    try:
        row = _row.decode(raw)
    except ValueError:  # e.g. a number past 64 bits in a float field: let pydantic-core read it
        row = pydantic_core.from_json(raw)
    if not isinstance(row, dict):
        raise ProviderResponseError("Chorus sent engagement that is not a JSON object.")
    return row


def encode_meeting(raw: bytes, recording_url: RecordingUrl | None = None) -> EncodedMeeting:
    """One row's JSON -> the list-level Meeting `meeting_from_row` gives, encoded."""
    fields = meeting_fields(_decoded(raw), recording_url)
    try:
        body = _encode(fields)
    except (OverflowError, TypeError, ValueError):  # e.g. a tracker count past 64 bits
        body = pydantic_core.to_json(fields)
    return EncodedMeeting(fields["id"], body, b'{"engagement":' + raw + b"}")


def links_key(recording_url: RecordingUrl | None) -> str | None:
    """What identifies an account's recording links in a memo key: a link for no meeting.

    Signed media links carry a rounded expiry (`accounts.media_links`): the key, like every
    link, stays the same for one step and then changes, so the memo hits within a step and
    mints each row's links again after it (the old entries age out).
    """
    return None if recording_url is None else recording_url("", "video")


class MeetingJsonMemo:
    """Encoded rows by (links key, row bytes), the oldest dropped past `size` entries."""

    def __init__(self, size: int = MEMO_ROWS) -> None:
        if size < 1:
            raise ValueError("a memo holds at least one row")
        self._size = size
        # Ordered by insertion: evicting the oldest is O(1) (a plain dict's first key is
        # found by scanning past the slots its earlier deletions left behind).
        self._rows: OrderedDict[tuple[str | None, bytes], EncodedMeeting] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rows)

    def encode(
        self, raw: bytes, recording_url: RecordingUrl | None, links: str | None
    ) -> EncodedMeeting:
        """`encode_meeting(raw, recording_url)`, from the memo when this row was seen.

        `links` is `links_key(recording_url)`, computed once per page by the caller.
        """
        key = (links, raw)
        hit = self._rows.get(key)
        if hit is not None:
            return hit
        encoded = encode_meeting(raw, recording_url)
        if len(self._rows) >= self._size:
            self._rows.popitem(last=False)
        self._rows[key] = encoded
        return encoded
