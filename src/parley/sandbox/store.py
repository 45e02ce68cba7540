"""The meeting store: the lazy seeded generator plus an overlay of admin changes.

Only start times and ids are held for every meeting; facts are generated per index and
kept in a bounded LRU, transcripts in a smaller one.
"""

from __future__ import annotations

import bisect
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator

from parley.sandbox.config import SandboxConfig
from parley.sandbox.meetings import (
    Meeting,
    MeetingPatch,
    base_start_times,
    generate_meeting,
    meeting_id,
)
from parley.sandbox.org import Org
from parley.sandbox.transcript import Transcript, build_transcript

__all__ = ["MeetingStore"]

_FACTS_CACHE = 2048
_TRANSCRIPT_CACHE = 16


class MeetingStore:
    """All meetings, newest first, with patches, deletions and additions layered on top."""

    def __init__(self, config: SandboxConfig, org: Org) -> None:
        self._seed = config.seed
        self._org = org
        self._anchor = int(config.anchor.timestamp())
        self._base = base_start_times(config.seed, config.meetings, config.anchor, config.span_days)
        self._added: list[int] = []  # ascending: the last one is the newest of all
        self._ids = [meeting_id(config.seed, i) for i in range(len(self._base))]
        self._index_by_id = {mid: i for i, mid in enumerate(self._ids)}
        self._deleted: set[int] = set()
        self._patches: dict[int, MeetingPatch] = {}
        self._facts: OrderedDict[int, Meeting] = OrderedDict()
        self._transcripts: OrderedDict[int, Transcript] = OrderedDict()
        self._lock = threading.RLock()

    @property
    def anchor(self) -> int:
        """The epoch the generated history ends at (the newest call ends just before it)."""
        return self._anchor

    def __len__(self) -> int:
        return len(self._base) + len(self._added) - len(self._deleted)

    # -- ordering ---------------------------------------------------------------------------

    def _total(self) -> int:
        return len(self._base) + len(self._added)

    def _index_at(self, position: int) -> int:
        added = len(self._added)
        if position < added:
            return len(self._base) + added - 1 - position
        return position - added

    def _start_of(self, index: int) -> int:
        base = len(self._base)
        return self._base[index] if index < base else self._added[index - base]

    def _first_position_at_or_before(self, when: int) -> int:
        return bisect.bisect_left(
            range(self._total()), True, key=lambda p: self._start_of(self._index_at(p)) <= when
        )

    def newest_first(
        self,
        after: tuple[float, str] | None = None,
        max_start: int | None = None,
        min_start: int | None = None,
    ) -> Iterator[Meeting]:
        """Live meetings in (start, id) descending order, strictly after the `after` key."""
        bounds = [b for b in (max_start, None if after is None else int(after[0])) if b is not None]
        with self._lock:
            position = self._first_position_at_or_before(min(bounds)) if bounds else 0
        while True:
            with self._lock:
                if position >= self._total():
                    return
                index = self._index_at(position)
                start = self._start_of(index)
                deleted = index in self._deleted
            position += 1
            if min_start is not None and start < min_start:
                return
            if deleted:
                continue
            if after is not None and (start, self._id_of(index)) >= (after[0], after[1]):
                continue
            yield self.meeting(index)

    # -- lookup -----------------------------------------------------------------------------

    def _id_of(self, index: int) -> str:
        return self._ids[index]

    def get(self, engagement_id: str) -> Meeting | None:
        """The live meeting with this id, or None."""
        index = self._index_by_id.get(engagement_id.upper())
        if index is None or index in self._deleted:
            return None
        return self.meeting(index)

    def meeting(self, index: int) -> Meeting:
        """The facts of meeting `index` (cached)."""
        with self._lock:
            cached = self._facts.get(index)
            if cached is not None:
                self._facts.move_to_end(index)
                return cached
            patch = self._patches.get(index)
            start = self._start_of(index)
        facts = generate_meeting(self._seed, self._org, index, start, self._anchor, patch)
        with self._lock:
            self._facts[index] = facts
            if len(self._facts) > _FACTS_CACHE:
                self._facts.popitem(last=False)
        return facts

    def transcript(self, meeting: Meeting) -> Transcript:
        """The meeting's transcript, built on demand (small LRU)."""
        with self._lock:
            cached = self._transcripts.get(meeting.index)
            if cached is not None:
                self._transcripts.move_to_end(meeting.index)
                return cached
        built = build_transcript(meeting)
        with self._lock:
            self._transcripts[meeting.index] = built
            if len(self._transcripts) > _TRANSCRIPT_CACHE:
                self._transcripts.popitem(last=False)
        return built

    def by_opportunity(self) -> dict[str, list[Meeting]]:
        """Live meetings per CRM opportunity id, newest first; meetings without one are left
        out. Generates every meeting's facts: meant for tests and the admin API."""
        deals: dict[str, list[Meeting]] = {}
        for meeting in self.newest_first():
            if meeting.opportunity_id is not None:
                deals.setdefault(meeting.opportunity_id, []).append(meeting)
        return deals

    # -- overlay ----------------------------------------------------------------------------

    def _forget(self, index: int) -> None:
        self._facts.pop(index, None)
        self._transcripts.pop(index, None)

    def patch(self, engagement_id: str, changes: MeetingPatch) -> Meeting | None:
        """Apply admin changes (bumping `_modified_at`); None when the id is unknown."""
        with self._lock:
            index = self._index_by_id.get(engagement_id.upper())
            if index is None or index in self._deleted:
                return None
            merged = MeetingPatch(**{**self._patches.get(index, {}), **changes})
            merged["modified_at"] = max(int(time.time()), self.meeting(index).modified_at + 1)
            self._patches[index] = merged
            self._forget(index)
        return self.meeting(index)

    def delete(self, engagement_id: str) -> bool:
        """Remove a meeting from every Chorus route; False when the id is unknown."""
        with self._lock:
            index = self._index_by_id.get(engagement_id.upper())
            if index is None or index in self._deleted:
                return False
            self._deleted.add(index)
            self._forget(index)
            return True

    def add(self, count: int) -> list[Meeting]:
        """Add `count` finished meetings newer than every existing one."""
        created: list[Meeting] = []
        with self._lock:
            for _ in range(count):
                index = self._total()
                rng = random.Random(f"{self._seed}:added:{index}")
                newest = self._start_of(self._index_at(0)) if index else self._anchor - 86_400
                start = max(newest + rng.randrange(300, 1800), int(time.time()) - 3600)
                self._added.append(start)
                mid = meeting_id(self._seed, index)
                self._ids.append(mid)
                self._index_by_id[mid] = index
                self._patches[index] = MeetingPatch(status="done")
                created.append(self.meeting(index))
        return created
