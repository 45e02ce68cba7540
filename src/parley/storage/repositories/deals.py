"""Deals, the meetings of each and tenants' risk settings (SQL of deal risk, one session).

A list filters and sorts on the score *at the time of the read*: `base_score` plus the
`stalled` weight once `stall_at` has passed, capped at 100, computed in SQL. A
`visible` clause over `meetings` (per-user scoping) keeps the deals with at least one
visible meeting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.tables import IntegratedAccount
from parley.storage.tables_deals import Deal, DealMeeting, RiskSettingsRow
from parley.storage.tables_store import StoredMeeting, StoredTranscriptEntry

__all__ = ["DealKey", "DealListQuery", "DealRepository", "ScoreRule"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ScoreRule:
    """How the score and level at `now` follow from the stored columns."""

    now: datetime
    stalled_weight: int
    high: int
    medium: int


@dataclass(frozen=True)
class DealKey:
    """A position in a list's order: the sort value of the last row, then its identity."""

    value: int | datetime
    account_id: str
    opportunity_id: str


@dataclass(frozen=True)
class DealListQuery:
    """Filters and order of `GET /insights/deals`."""

    account_ids: tuple[str, ...]
    rule: ScoreRule
    level: str | None = None
    min_score: int | None = None
    sort: Literal["score", "last_meeting"] = "score"
    after: DealKey | None = None
    limit: int = 50


def score_at(rule: ScoreRule) -> ColumnElement[int]:
    """The score at `rule.now`, in SQL."""
    stalled = and_(Deal.stall_at.is_not(None), Deal.stall_at < rule.now)
    raw = case((stalled, Deal.base_score + rule.stalled_weight), else_=Deal.base_score)
    return case((raw > 100, literal(100)), else_=raw)


def level_at(rule: ScoreRule, score: ColumnElement[int]) -> ColumnElement[str]:
    """The level of `score`, in SQL."""
    return case((score >= rule.high, "high"), (score >= rule.medium, "medium"), else_="low")


class DealRepository:
    """Deal rows, their meeting map and risk settings inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- settings -----------------------------------------------------------------------

    async def settings(self, tenant_id: str) -> dict[str, Any] | None:
        """The tenant's stored settings document (None: never set)."""
        row = await self._session.get(RiskSettingsRow, tenant_id)
        return None if row is None else dict(row.settings)

    async def save_settings(self, tenant_id: str, document: dict[str, Any], now: datetime) -> None:
        """Replace the tenant's settings document."""
        row = await self._session.get(RiskSettingsRow, tenant_id)
        if row is None:
            self._session.add(
                RiskSettingsRow(tenant_id=tenant_id, settings=document, updated_at=now)
            )
        else:
            row.settings, row.updated_at = document, now

    # -- which meetings make a deal -----------------------------------------------------

    async def map_meetings(
        self, account_id: str, opportunities: Mapping[str, str | None]
    ) -> set[str]:
        """Record each meeting's opportunity (None: none); the opportunities touched, before
        and after."""
        if not opportunities:
            return set()
        ids = list(opportunities)
        before = await self._mapped(account_id, ids)
        touched = set(before.values()) | {o for o in opportunities.values() if o is not None}
        changed = [mid for mid in ids if before.get(mid) != opportunities[mid]]
        if changed:
            await self._unmap(account_id, changed)
            await self._add_mappings(
                [
                    {"account_id": account_id, "meeting_id": mid, "opportunity_id": opportunity}
                    for mid in changed
                    if (opportunity := opportunities[mid]) is not None
                ]
            )
        return touched

    async def map_stored(self, account_ids: Sequence[str]) -> int:
        """Map the stored meetings of these accounts that have an opportunity and no mapping
        yet (meetings synced before deal risk existed); how many were mapped."""
        m, dm = StoredMeeting, DealMeeting
        opportunity = m.data["crm"]["opportunity_id"].as_string()
        mapped = exists().where(dm.account_id == m.account_id, dm.meeting_id == m.id)
        rows = await self._session.execute(
            select(m.account_id, m.id, opportunity).where(
                m.account_id.in_(account_ids), opportunity.is_not(None), opportunity != "", ~mapped
            )
        )
        found = [
            {"account_id": row[0], "meeting_id": row[1], "opportunity_id": row[2]} for row in rows
        ]
        await self._add_mappings(found)
        return len(found)

    async def unmap_meetings(self, account_id: str, meeting_ids: Iterable[str]) -> set[str]:
        """Forget deleted meetings; the opportunities they belonged to."""
        ids = list(meeting_ids)
        if not ids:
            return set()
        before = await self._mapped(account_id, ids)
        await self._unmap(account_id, list(before))
        return set(before.values())

    async def _mapped(self, account_id: str, ids: Sequence[str]) -> dict[str, str]:
        dm = DealMeeting
        rows = await self._session.execute(
            select(dm.meeting_id, dm.opportunity_id).where(
                dm.account_id == account_id, dm.meeting_id.in_(ids)
            )
        )
        return {str(row[0]): str(row[1]) for row in rows}

    async def _unmap(self, account_id: str, ids: Sequence[str]) -> None:
        if ids:
            await self._session.execute(
                delete(DealMeeting).where(
                    DealMeeting.account_id == account_id, DealMeeting.meeting_id.in_(ids)
                )
            )

    async def meetings_of(
        self,
        account_id: str,
        opportunity_id: str,
        visible: ColumnElement[bool] | None = None,
    ) -> list[StoredMeeting]:
        """The stored meetings of one deal (those `visible`, a clause over meetings, lets
        through when given)."""
        dm, m = DealMeeting, StoredMeeting
        statement = (
            select(m)
            .join(dm, and_(dm.account_id == m.account_id, dm.meeting_id == m.id))
            .where(dm.account_id == account_id, dm.opportunity_id == opportunity_id)
        )
        if visible is not None:
            statement = statement.where(visible)
        return list(await self._session.scalars(statement))

    async def transcript_lines(
        self, account_id: str, meeting_ids: Sequence[str]
    ) -> dict[str, list[tuple[int, str, str, float | None, float | None]]]:
        """(index, speaker type, text, start, end) of these meetings' entries, in order."""
        te = StoredTranscriptEntry
        found: dict[str, list[tuple[int, str, str, float | None, float | None]]] = {
            mid: [] for mid in meeting_ids
        }
        if not meeting_ids:
            return found
        rows = await self._session.execute(
            select(te.meeting_id, te.index, te.speaker_type, te.text, te.start_time, te.end_time)
            .where(te.account_id == account_id, te.meeting_id.in_(meeting_ids))
            .order_by(te.meeting_id, te.index)
        )
        for row in rows:
            found[row[0]].append((row[1], row[2], row[3], row[4], row[5]))
        return found

    # -- deal rows ----------------------------------------------------------------------

    async def get(self, account_id: str, opportunity_id: str) -> Deal | None:
        """One deal row."""
        return await self._session.get(Deal, (account_id, opportunity_id))

    async def levels(self, account_id: str, opportunity_id: str) -> tuple[str, str | None] | None:
        """(level, last raised level) of a stored deal (None: not stored yet)."""
        row = (
            await self._session.execute(
                select(Deal.level, Deal.last_raised_level).where(
                    Deal.account_id == account_id, Deal.opportunity_id == opportunity_id
                )
            )
        ).first()
        return None if row is None else (str(row[0]), row[1])

    async def put(self, values: dict[str, Any]) -> None:
        """Insert or replace the row of `values` (keyed by account and opportunity); an
        upsert, so two writers computing a new deal at once do not collide."""
        statement = self._insert(Deal).values(values)
        update = {k: v for k, v in values.items() if k not in ("account_id", "opportunity_id")}
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["account_id", "opportunity_id"], set_=update
            )
        )

    def _insert(self, table: type[Deal] | type[DealMeeting]) -> Any:
        dialect = self._session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    async def _add_mappings(self, rows: list[dict[str, str]]) -> None:
        for start in range(0, len(rows), 500):
            statement = self._insert(DealMeeting).values(rows[start : start + 500])
            await self._session.execute(
                statement.on_conflict_do_update(
                    index_elements=["account_id", "meeting_id"],
                    set_={"opportunity_id": statement.excluded.opportunity_id},
                )
            )

    async def delete(self, account_id: str, opportunity_id: str) -> None:
        """Forget a deal that has no meetings left."""
        await self._session.execute(
            delete(Deal).where(Deal.account_id == account_id, Deal.opportunity_id == opportunity_id)
        )

    async def keys_of_tenant(self, tenant_id: str) -> list[tuple[str, str]]:
        """(account id, opportunity id) of every deal of the tenant: those stored and those
        whose meetings are mapped but not yet computed."""
        accounts = select(IntegratedAccount.id).where(IntegratedAccount.tenant_id == tenant_id)
        stored = select(Deal.account_id, Deal.opportunity_id).where(Deal.account_id.in_(accounts))
        mapped = select(DealMeeting.account_id, DealMeeting.opportunity_id).where(
            DealMeeting.account_id.in_(accounts)
        )
        rows = await self._session.execute(union(stored, mapped))
        return sorted((str(row[0]), str(row[1])) for row in rows)

    async def newly_stalled(self, now: datetime, limit: int) -> list[tuple[str, str, str]]:
        """(tenant, account, opportunity) of deals that stalled since they were computed."""
        statement = (
            select(IntegratedAccount.tenant_id, Deal.account_id, Deal.opportunity_id)
            .join(IntegratedAccount, IntegratedAccount.id == Deal.account_id)
            .where(
                Deal.stall_at.is_not(None), Deal.stall_at < now, Deal.stall_at >= Deal.computed_at
            )
            .order_by(Deal.account_id, Deal.opportunity_id)
            .limit(limit)
        )
        return [(*row,) for row in await self._session.execute(statement)]

    async def list(
        self, query: DealListQuery, visible: ColumnElement[bool] | None = None
    ) -> list[tuple[Deal, int]]:
        """Up to `query.limit` deals after `query.after`, each with its score at `rule.now`."""
        score = score_at(query.rule)
        where: list[ColumnElement[bool]] = [Deal.account_id.in_(query.account_ids)]
        if query.level is not None:
            where.append(level_at(query.rule, score) == query.level)
        if query.min_score is not None:
            where.append(score >= query.min_score)
        if visible is not None:
            where.append(_any_meeting(visible))
        latest: ColumnElement[Any] = func.coalesce(Deal.last_meeting_at, _EPOCH)
        key: ColumnElement[Any] = score if query.sort == "score" else latest
        if query.after is not None:
            after = query.after
            where.append(
                or_(
                    key < after.value,
                    and_(
                        key == after.value,
                        or_(
                            Deal.account_id > after.account_id,
                            and_(
                                Deal.account_id == after.account_id,
                                Deal.opportunity_id > after.opportunity_id,
                            ),
                        ),
                    ),
                )
            )
        statement = (
            select(Deal, score.label("score_now"))
            .where(*where)
            .order_by(key.desc(), Deal.account_id, Deal.opportunity_id)
            .limit(query.limit)
        )
        rows = await self._session.execute(statement)
        return [(row[0], int(row[1])) for row in rows]


def _any_meeting(visible: ColumnElement[bool]) -> ColumnElement[bool]:
    dm, m = DealMeeting, StoredMeeting
    return exists(
        select(literal(1))
        .select_from(dm)
        .join(m, and_(m.account_id == dm.account_id, m.id == dm.meeting_id))
        .where(
            dm.account_id == Deal.account_id,
            dm.opportunity_id == Deal.opportunity_id,
            visible,
        )
    )
