"""Links to Parley's own pages, relative to its origin (a framed page keeps its frame)."""

from __future__ import annotations

from urllib.parse import quote

from parley.insights.search import seconds_param

__all__ = ["PLAYBACK_PAGE", "playback_page"]

#: The playback page of one meeting (`web`): `?integrated_account_id=…&t=<seconds>`.
PLAYBACK_PAGE = "/app/meetings/{meeting_id}"


def playback_page(account_id: str, meeting_id: str, second: float | None = None) -> str:
    """The playback page of a meeting, starting at `second` (the start when None)."""
    # `quote` per value rather than `urlencode`: a dashboard builds hundreds of these.
    path = PLAYBACK_PAGE.format(meeting_id=quote(meeting_id, safe=""))
    url = f"{path}?integrated_account_id={quote(account_id, safe='')}"
    return url if second is None else f"{url}&t={seconds_param(second)}"
