"""Team analytics rows: pooled sums of base groups, rounded for the answer (pure).

A report's base groups (the meetings of one owner, or of one week) never overlap, so a row
that is a union of base groups (a team is its members' owners) sums them exactly: talk
ratios are pooled (the sum of owner talk over the sum of all talk), never averages of
ratios. Seconds are rounded to the millisecond, ratios to 4 decimals; a ratio or an average
with nothing to divide by is 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel

from parley.unified.base import to_milliseconds

__all__ = ["TOP_TOPICS", "AnalyticsRow", "Group", "Pool", "RowSpec", "Sums", "Topic", "fold"]

#: How many topics a row lists: the most meetings first, then by name.
TOP_TOPICS = 10


class Topic(BaseModel):
    """A tracker of a row: the row's meetings where it matched and its total mentions."""

    name: str
    meetings: int
    mentions: int


class AnalyticsRow(BaseModel):
    """One user, team or week (or the totals) of a team analytics report."""

    key: str | None
    name: str | None
    meetings: int
    total_duration: float
    avg_duration: float
    talk_ratio: float
    customer_talk_ratio: float
    longest_monologue: float
    topics: list[Topic]


class Sums(Protocol):
    """The summed inputs of one base group (`storage.repositories.analytics.GroupSums`)."""

    @property
    def meetings(self) -> int: ...
    @property
    def duration(self) -> float: ...
    @property
    def owner_talk(self) -> float: ...
    @property
    def guest_talk(self) -> float: ...
    @property
    def total_talk(self) -> float: ...
    @property
    def longest_monologue(self) -> float: ...


class Group(Sums, Protocol):
    """A base group: its key (the owner or the week) and its sums."""

    @property
    def key(self) -> str | None: ...


@dataclass(frozen=True)
class RowSpec:
    """A row to build: its key and name and the base groups it is the union of."""

    key: str
    name: str | None
    groups: Sequence[Group]

    @property
    def meetings(self) -> int:
        """The row's meetings (its groups never overlap)."""
        return sum(g.meetings for g in self.groups)


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole > 0 else 0.0


@dataclass
class Pool:
    """Base groups added up into one row."""

    meetings: int = 0
    duration: float = 0.0
    owner_talk: float = 0.0
    guest_talk: float = 0.0
    total_talk: float = 0.0
    longest_monologue: float = 0.0
    #: tracker name -> [meetings, mentions]
    topics: dict[str, list[int]] = field(default_factory=dict)

    def add(self, sums: Sums, topics: Iterable[tuple[str, int, int]] = ()) -> None:
        """Add one base group and its (name, meetings, mentions) topics."""
        self.meetings += sums.meetings
        self.duration += sums.duration or 0.0
        self.owner_talk += sums.owner_talk or 0.0
        self.guest_talk += sums.guest_talk or 0.0
        self.total_talk += sums.total_talk or 0.0
        self.longest_monologue = max(self.longest_monologue, sums.longest_monologue or 0.0)
        for name, meetings, mentions in topics:
            counts = self.topics.setdefault(name, [0, 0])
            counts[0] += meetings
            counts[1] += mentions

    def row(self, key: str | None, name: str | None) -> AnalyticsRow:
        """The rounded row."""
        ranked = sorted(self.topics.items(), key=lambda item: (-item[1][0], item[0]))
        return AnalyticsRow(
            key=key,
            name=name,
            meetings=self.meetings,
            total_duration=to_milliseconds(self.duration),
            avg_duration=to_milliseconds(self.duration / self.meetings) if self.meetings else 0.0,
            talk_ratio=_ratio(self.owner_talk, self.total_talk),
            customer_talk_ratio=_ratio(self.guest_talk, self.total_talk),
            longest_monologue=to_milliseconds(self.longest_monologue),
            topics=[
                Topic(name=topic, meetings=meetings, mentions=mentions)
                for topic, (meetings, mentions) in ranked[:TOP_TOPICS]
            ],
        )


def fold(
    specs: Sequence[RowSpec], topics: Mapping[str, Sequence[tuple[str, int, int]]]
) -> tuple[list[AnalyticsRow], AnalyticsRow]:
    """The rows, in the order given, and the totals over every distinct group in them.

    `topics`: a group's (name, meetings, mentions) by its key. A group in two rows (an owner
    in two teams) is in the totals once, so their meetings count once.
    """
    rows: list[AnalyticsRow] = []
    totals, counted = Pool(), set()
    for spec in specs:
        pool = Pool()
        for group in spec.groups:
            own = topics.get(group.key or "", ())
            pool.add(group, own)
            if group.key not in counted:
                counted.add(group.key)
                totals.add(group, own)
        rows.append(pool.row(spec.key, spec.name))
    return rows, totals.row(None, None)
