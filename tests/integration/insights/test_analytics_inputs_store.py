"""Analytics inputs in the database: written in the caller's transaction, kept in step with
the stored meetings, filled in by the backfill, and narrowed by a visibility clause."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select

from parley.insights.analytics import (
    AnalyticsQuery,
    GroupBy,
    TeamAnalytics,
    record_meeting_records,
    record_meetings,
)
from parley.storage import (
    Database,
    IntegratedAccount,
    MeetingStats,
    MeetingTopic,
    StoredMeeting,
    Tenant,
    new_id,
    utcnow,
)
from parley.storage.repositories.store import StoreRepository, meeting_record
from parley.unified import Meeting

START = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


async def _account(db: Database) -> str:
    async with db.session() as session:
        tenant = Tenant(id=new_id(), name=f"acme-{new_id()}", created_at=utcnow())
        session.add(tenant)
        await session.flush()
        account = IntegratedAccount(
            id=new_id(), tenant_id=tenant.id, integration="chorus", status="active",
            credentials_ciphertext=b"sealed", key_id="k1", settings={},
            created_at=utcnow(), updated_at=utcnow(),
        )  # fmt: skip
        session.add(account)
    return account.id


def _meeting(n: int, *, owner: str = "u1", status: str = "completed", **extra: Any) -> Meeting:
    """Meeting `n`: the owner talks 30 s, then 10 s, a guest 20 s, with one tracker."""
    entries = [
        ("s-owner", "user", 0.0, 30.0),
        ("s-guest", "guest", 31.0, 51.0),
        ("s-owner", "user", 52.0, 62.0),
    ]
    return Meeting.model_validate(
        {
            "id": f"m{n}",
            "status": status,
            "type": "call" if n % 2 else "meeting",
            "start_time": (START + timedelta(days=n)).isoformat(),
            "duration": 100.0,
            "owner": {"user_id": owner, "name": owner.upper()},
            "speakers": [
                {"speaker_id": "s-owner", "type": "user", "user_id": owner},
                {"speaker_id": "s-guest", "type": "guest"},
            ],
            "trackers": [{"name": "Pricing", "count": 2}],
            "transcript": [
                {"index": i, "speaker_id": sid, "speaker_type": kind, "text": "…",
                 "start_time": start, "end_time": end}
                for i, (sid, kind, start, end) in enumerate(entries)
            ],
            **extra,
        }
    )  # fmt: skip


async def _store(db: Database, account: str, meetings: list[Meeting]) -> None:
    """Write meetings as the sync's writer does, and record their inputs in that transaction."""
    records = [meeting_record(m, has_details=True) for m in meetings]
    async with db.session() as session:
        repository = StoreRepository(session)
        existing = await repository.meeting_states(account, [r.id for r in records])
        await repository.write_meetings(account, records, existing)
        await record_meetings(session, account, meetings)


async def _lookup(tenant_id: str | None, account_id: str) -> Any:
    return SimpleNamespace(id=account_id)


async def _stats(db: Database, account: str) -> dict[str, tuple[Any, ...]]:
    async with db.session() as session:
        s = MeetingStats
        rows = await session.execute(
            select(s.meeting_id, s.owner_talk, s.guest_talk, s.total_talk, s.longest_monologue)
            .where(s.account_id == account)
        )  # fmt: skip
        return {row[0]: tuple(row[1:]) for row in rows}


async def _topic_rows(db: Database, account: str) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(MeetingTopic).where(MeetingTopic.account_id == account)
        )
        return int(count or 0)


async def test_recorded_inputs_follow_the_stored_meeting(database: Database) -> None:
    account = await _account(database)
    await _store(database, account, [_meeting(1), _meeting(2)])
    assert await _stats(database, account) == {
        "m1": (40.0, 20.0, 60.0, 30.0),
        "m2": (40.0, 20.0, 60.0, 30.0),
    }

    # m1 is being reprocessed: it stops counting. m2 passes to u9, who never speaks in it.
    speakers = [{"speaker_id": "s-owner", "type": "user", "user_id": "u1"}]
    await _store(
        database,
        account,
        [_meeting(1, status="processing"), _meeting(2, owner="u9", speakers=speakers)],
    )
    assert await _stats(database, account) == {"m2": (0.0, 20.0, 60.0, 0.0)}

    async with database.session() as session:
        await StoreRepository(session).delete_meetings(account, ["m2"])
    assert await _stats(database, account) == {}
    assert await _topic_rows(database, account) == 0


async def test_the_store_writer_s_records_give_the_same_inputs(database: Database) -> None:
    account = await _account(database)
    meetings = [_meeting(1), _meeting(2, owner="u2")]
    await _store(database, account, meetings)
    before = await _stats(database, account)

    async with database.session() as session:
        records = [meeting_record(m, has_details=True) for m in meetings]
        await record_meeting_records(session, account, records)

    assert await _stats(database, account) == before


async def test_the_backfill_fills_in_meetings_stored_without_inputs(database: Database) -> None:
    account = await _account(database)
    await _store(database, account, [_meeting(1), _meeting(2)])
    recorded = await _stats(database, account)
    async with database.session() as session:
        await session.execute(MeetingStats.__table__.delete())
    analytics = TeamAnalytics(database, _lookup)

    assert await analytics.backfill(account) == 2
    assert await _stats(database, account) == recorded
    assert await _topic_rows(database, account) == 2
    assert await analytics.backfill(account) == 0


async def test_a_visibility_clause_narrows_every_row_and_the_totals(database: Database) -> None:
    account = await _account(database)
    await _store(database, account, [_meeting(n, owner=f"u{n % 3}") for n in range(1, 7)])
    analytics = TeamAnalytics(database, _lookup)
    query = AnalyticsQuery(group_by=GroupBy.USER)

    everything = await analytics.report(None, account, query)
    calls = await analytics.report(None, account, query, visible=StoredMeeting.type == "call")

    assert (everything.totals.meetings, calls.totals.meetings) == (6, 3)
    assert sum(r.meetings for r in calls.rows) == 3
    assert calls.totals.topics[0].model_dump() == {"name": "Pricing", "meetings": 3, "mentions": 6}


async def test_two_transactions_recording_one_meeting_never_conflict(database: Database) -> None:
    account = await _account(database)
    meeting = _meeting(1)
    async with database.session() as session:
        repository = StoreRepository(session)
        await repository.write_meetings(account, [meeting_record(meeting, has_details=True)], {})

    async def second() -> None:
        async with database.session() as session:
            speakers = [{"speaker_id": "s-owner", "type": "user", "user_id": "u1"}]
            await record_meetings(session, account, [_meeting(1, owner="u2", speakers=speakers)])

    # The first transaction writes and holds its rows; the second deletes nothing yet, then
    # waits on them; it goes on once the first commits, and its figures are the last.
    async with database.session() as session:
        await record_meetings(session, account, [meeting])
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # time for the second to reach its wait (no assertion on it)
    await waiting

    assert await _stats(database, account) == {"m1": (0.0, 20.0, 60.0, 0.0)}
