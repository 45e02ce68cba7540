"""Parley's stable recording links: one per meeting and kind, ids quoted into the path."""

from __future__ import annotations

import pytest

from parley.accounts.urls import unified_recording_links

BASE = "https://parley.test/unified/conversational-intelligence/meetings"


@pytest.mark.parametrize(
    ("meeting_id", "segment"),
    [
        ("EE8ED5BBBC254177B8201B9D84855949", "EE8ED5BBBC254177B8201B9D84855949"),
        ("a/b c", "a%2Fb%20c"),
        ("../x", "..%2Fx"),
        ("é1", "%C3%A91"),
        ("x-1_2.3~", "x-1_2.3~"),
    ],
)
def test_meeting_ids_are_quoted_into_one_path_segment(meeting_id: str, segment: str) -> None:
    link = unified_recording_links("https://parley.test/")("acct 1")

    assert link(meeting_id, "audio") == (
        f"{BASE}/{segment}/recording?kind=audio&integrated_account_id=acct+1"
    )
    assert link(meeting_id, "video").endswith("/recording?kind=video&integrated_account_id=acct+1")
