"""The playback page's test world: a member with a scoped token, one of their meetings with
a transcript and a recording, and a meeting of another rep they cannot see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from e2e_stack import Stack

UNIFIED = "/unified/conversational-intelligence"
MEMBER = "rep-a"


@dataclass(frozen=True)
class PlaybackWorld:
    stack: Stack
    account: str
    token: str  # the member's scoped token
    meeting: dict[str, Any]  # theirs, in full
    hidden: dict[str, Any]  # another rep's, outside their scope

    def page_path(self, meeting_id: str | None = None, **params: Any) -> str:
        """The playback page's path with its query."""
        query = {"integrated_account_id": self.account, **params}
        return f"/app/meetings/{meeting_id or self.meeting['id']}?{urlencode(query)}"

    def url(self, meeting_id: str | None = None, **params: Any) -> str:
        return self.stack.url + self.page_path(meeting_id, **params)


def _playable(meeting: dict[str, Any]) -> bool:
    return bool(
        meeting["status"] == "completed"
        and meeting["audio_recording_url"]
        and meeting["owner"]
        and meeting["owner"].get("email")
        and (meeting["duration"] or 0) > 300
    )


def playback_world(stack: Stack, account: str) -> PlaybackWorld:
    """Map a member to the owner of a recorded meeting and mint their token."""
    params = {"integrated_account_id": account, "source": "store"}
    with stack.client() as client:
        listed = client.get(f"{UNIFIED}/meetings", params={**params, "limit": 100}).json()
        candidates = [m for m in listed["result"] if _playable(m)]
        chosen = None
        for candidate in candidates:
            full = client.get(f"{UNIFIED}/meetings/{candidate['id']}", params=params).json()
            if len(full["transcript"] or []) >= 20:
                chosen = full
                break
        assert chosen is not None, "no recorded meeting with a transcript in the sandbox"
        mapped = client.put(
            f"/user-mappings/{MEMBER}",
            params={"integrated_account_id": account},
            json={"email": chosen["owner"]["email"], "role": "member"},
        )
        assert mapped.status_code in (200, 201), mapped.text
        minted = client.post(
            "/scoped-tokens",
            json={"integrated_account_id": account, "app_user_id": MEMBER, "ttl_seconds": 3600},
        )
        assert minted.status_code == 201, minted.text
        token = minted.json()["token"]
    with stack.client(token) as scoped:
        seen = scoped.get(f"{UNIFIED}/meetings", params={**params, "limit": 100}).json()
    visible = {m["id"] for m in seen["result"]}
    assert chosen["id"] in visible
    hidden = next(m for m in candidates if m["id"] not in visible)
    return PlaybackWorld(stack, account, token, chosen, hidden)
