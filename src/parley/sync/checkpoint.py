"""Where a run stands (written with every page) and which stored meetings may be gone.

Listing is newest first, so each committed page covers a band of start times: from the
oldest start of the previous page down to its own oldest start (the last page reaches the
window's start). A stored meeting inside a page's band that the page did not list is a
deletion *candidate*; it stops being one if a later page lists it (its start time moved),
and candidates are deleted only once the whole window was listed without an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Checkpoint", "page_band", "prune_candidates"]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _when(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


@dataclass
class Checkpoint:
    """A run's progress through its window, as stored in `sync_runs.checkpoint`."""

    window_start: datetime | None
    window_end: datetime
    #: The provider position of the next page to list (None: from the top).
    position: str | None = None
    #: Oldest start time of the last committed page: the top of the next page's band.
    upper: datetime | None = None
    #: Ids of the last committed page (meetings sharing a start second straddle pages).
    previous_ids: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    pages: int = 0
    #: True once the last page was committed: only the deletions and the bookkeeping remain.
    listed_all: bool = False

    def to_json(self) -> dict[str, Any]:
        """JSON for the `checkpoint` column."""
        data = asdict(self)
        data["window_start"] = _iso(self.window_start)
        data["window_end"] = _iso(self.window_end)
        data["upper"] = _iso(self.upper)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        """Back from the `checkpoint` column."""
        end = _when(data["window_end"])
        if end is None:
            raise ValueError("a checkpoint needs a window_end")
        return cls(
            window_start=_when(data.get("window_start")),
            window_end=end,
            position=data.get("position"),
            upper=_when(data.get("upper")),
            previous_ids=list(data.get("previous_ids") or []),
            candidates=list(data.get("candidates") or []),
            pages=int(data.get("pages") or 0),
            listed_all=bool(data.get("listed_all")),
        )

    def restart(self) -> None:
        """Forget the position (e.g. the provider no longer accepts it): list from the top."""
        self.position, self.upper, self.previous_ids = None, None, []


def page_band(
    checkpoint: Checkpoint, starts: Sequence[datetime | None], *, last: bool
) -> tuple[datetime | None, datetime | None] | None:
    """The (lowest, highest) start times a page covers; None when it cannot tell."""
    known = [s for s in starts if s is not None]
    if last:
        return checkpoint.window_start, checkpoint.upper
    if not known:
        return None
    return min(known), checkpoint.upper


def prune_candidates(
    checkpoint: Checkpoint, in_band: Iterable[str], listed: Iterable[str]
) -> list[str]:
    """The candidates after a page: plus unlisted ids in its band, minus every listed id."""
    listed_ids = set(listed)
    spared = listed_ids | set(checkpoint.previous_ids)
    merged = dict.fromkeys(checkpoint.candidates)
    merged.update(dict.fromkeys(i for i in in_band if i not in spared))
    return [i for i in merged if i not in listed_ids]
