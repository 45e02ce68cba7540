"""Writes to the synced copy: meetings (with attendees and transcript entries), users, teams.

A meeting row keeps the unified Meeting as JSON without its transcript (`transcript: null`);
the transcript lives in `transcript_entries`, ordered by `index`. `content_hash` is the
SHA-256 of the canonical JSON of the whole unified meeting (transcript included), so a
sync tells created / updated / unchanged apart without comparing documents. Reads for the
API live in `store_reads.py`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.columns import utcnow
from parley.storage.repositories.store_records import (
    ENTRY_COLUMNS,
    ENTRY_CONTENT,
    MeetingRecord,
    StoredMeetingState,
    WriteOutcome,
    attendee_rows,
    canonical_json,
    content_hash,
    entry_rows,
    meeting_record,
    meeting_row,
    predates_rounding,
    stored_record,
    without_nul,
)
from parley.storage.tables_store import (
    StoredAttendee,
    StoredMeeting,
    StoredTeam,
    StoredTranscriptEntry,
    StoredUser,
)
from parley.unified import Team, User

__all__ = [
    "MeetingRecord",
    "StoreRepository",
    "StoredMeetingState",
    "WriteOutcome",
    "canonical_json",
    "content_hash",
    "meeting_record",
]

_MEETINGS = cast(Table, StoredMeeting.__table__)
_ATTENDEES = cast(Table, StoredAttendee.__table__)
_ENTRIES = cast(Table, StoredTranscriptEntry.__table__)
# Bound parameters per statement stay well under SQLite's 32,766 and asyncpg's 32,767.
_CHUNK = 500
# SQLite: entries go to the driver as tuples (no per-row statement compilation), then the
# search index is filled once per write from what was just inserted (migration 0004).
_INSERT_ENTRIES = (
    'INSERT INTO transcript_entries (account_id, meeting_id, "index", speaker_id, speaker_name, '
    "speaker_type, user_id, start_time, end_time, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INDEX_ENTRIES = (
    "INSERT INTO transcript_fts (rowid, text) SELECT id, text FROM transcript_entries "
    "WHERE account_id = ? AND meeting_id IN ({})"
)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class StoreRepository:
    """The synced copy of one session's transaction: bulk upserts by (account, id)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- meetings ---------------------------------------------------------------------------

    async def meeting_states(
        self, account_id: str, ids: Iterable[str]
    ) -> dict[str, StoredMeetingState]:
        """The stored state of those of `ids` that are in the store."""
        states: dict[str, StoredMeetingState] = {}
        remote = _MEETINGS.c.data["remote_data"]  # only this part of the JSON, not all of it
        for chunk in _chunks(list(dict.fromkeys(ids))):
            result = await self._session.execute(
                select(
                    _MEETINGS.c.id, _MEETINGS.c.content_hash, _MEETINGS.c.has_details, remote
                ).where(_MEETINGS.c.account_id == account_id, _MEETINGS.c.id.in_(chunk))
            )
            for id_, hash_, details, remote_data in result:
                states[id_] = StoredMeetingState(id_, hash_, details, remote_data)
        return states

    async def _existing_ids(self, account_id: str, ids: Iterable[str]) -> list[str]:
        found: list[str] = []
        for chunk in _chunks(list(dict.fromkeys(ids))):
            result = await self._session.execute(
                select(_MEETINGS.c.id).where(
                    _MEETINGS.c.account_id == account_id, _MEETINGS.c.id.in_(chunk)
                )
            )
            found += result.scalars()
        return found

    async def write_meetings(
        self,
        account_id: str,
        records: Sequence[MeetingRecord],
        existing: Mapping[str, StoredMeetingState],
    ) -> list[WriteOutcome]:
        """Insert new meetings, update changed ones; entries replaced only when they changed.

        An unchanged meeting stored with an older content hash gets the current one (nothing
        else is written for it: it is not an update), including one whose stored hash
        predates the rounding of seconds and whose stored content, read back through the
        models, is this record's.
        """
        now = utcnow()
        outcomes: list[WriteOutcome | None] = []
        created: list[MeetingRecord] = []
        changed: list[MeetingRecord] = []
        rehashed: list[dict[str, Any]] = []
        suspects: list[int] = []  # positions decided once the stored content is read
        for record in records:
            state = existing.get(record.id)
            if state is None:
                created.append(record)
                outcomes.append(WriteOutcome.CREATED)
            elif record.same_content(state.content_hash):
                outcomes.append(WriteOutcome.UNCHANGED)
                if state.content_hash != record.content_hash:
                    rehashed.append({"b_id": record.id, "content_hash": record.content_hash})
            elif predates_rounding(state.content_hash):
                suspects.append(len(outcomes))
                outcomes.append(None)
            else:
                changed.append(record)
                outcomes.append(WriteOutcome.UPDATED)
        if suspects:
            stored = await self._stored_hashes(account_id, [records[i].id for i in suspects])
            for i in suspects:
                record = records[i]
                if stored.get(record.id) == record.content_hash:
                    outcomes[i] = WriteOutcome.UNCHANGED
                    rehashed.append({"b_id": record.id, "content_hash": record.content_hash})
                else:
                    changed.append(record)
                    outcomes[i] = WriteOutcome.UPDATED
        if created:
            await self._insert_meetings(account_id, created, now)
        if changed:
            await self._update_meetings(account_id, changed, now)
        if rehashed:
            statement = (
                update(_MEETINGS)
                .where(_MEETINGS.c.account_id == account_id, _MEETINGS.c.id == bindparam("b_id"))
                .values(content_hash=bindparam("content_hash"))
            )
            await self._session.execute(statement, rehashed)
        return [outcome for outcome in outcomes if outcome is not None]

    async def _stored_hashes(self, account_id: str, ids: Sequence[str]) -> dict[str, str]:
        """The current content hash of these stored meetings, taken of their stored content."""
        entries: dict[str, list[tuple[Any, ...]]] = {}
        hashes: dict[str, str] = {}
        for chunk in _chunks(ids):
            result = await self._session.execute(
                select(_ENTRIES.c.meeting_id, *(_ENTRIES.c[c] for c in ENTRY_CONTENT))
                .where(_ENTRIES.c.account_id == account_id, _ENTRIES.c.meeting_id.in_(chunk))
                .order_by(_ENTRIES.c.meeting_id, _ENTRIES.c.index)
            )
            for meeting_id, *content in result:
                entries.setdefault(meeting_id, []).append(tuple(content))
            rows = await self._session.execute(
                select(_MEETINGS.c.id, _MEETINGS.c.data, _MEETINGS.c.has_details).where(
                    _MEETINGS.c.account_id == account_id, _MEETINGS.c.id.in_(chunk)
                )
            )
            for id_, data, details in rows:
                try:
                    record = stored_record(data, details, entries.get(id_, []))
                except ValueError:  # stored by a version whose shape the models no longer read
                    continue
                hashes[id_] = record.content_hash
        return hashes

    async def _insert_meetings(
        self, account_id: str, records: Sequence[MeetingRecord], now: datetime
    ) -> None:
        await self._insert(_MEETINGS, [meeting_row(account_id, r, now) for r in records])
        await self._insert(_ATTENDEES, [a for r in records for a in attendee_rows(account_id, r)])
        await self._insert_entries(account_id, records)

    async def _update_meetings(
        self, account_id: str, records: Sequence[MeetingRecord], now: datetime
    ) -> None:
        rows = []
        for record in records:
            row = meeting_row(account_id, record, now)
            del row["created_at"]
            row["b_account_id"], row["b_id"] = row.pop("account_id"), row.pop("id")
            rows.append(row)
        statement = update(_MEETINGS).where(
            _MEETINGS.c.account_id == bindparam("b_account_id"),
            _MEETINGS.c.id == bindparam("b_id"),
        )
        await self._session.execute(statement, rows)
        ids = [r.id for r in records]
        await self._delete_children(_ATTENDEES, account_id, ids)
        await self._insert(_ATTENDEES, [a for r in records for a in attendee_rows(account_id, r)])
        await self._replace_changed_entries(account_id, records)

    async def _replace_changed_entries(
        self, account_id: str, records: Sequence[MeetingRecord]
    ) -> None:
        stored: dict[str, list[tuple[Any, ...]]] = {}
        for chunk in _chunks([r.id for r in records]):
            result = await self._session.execute(
                select(_ENTRIES.c.meeting_id, *(_ENTRIES.c[c] for c in ENTRY_CONTENT))
                .where(_ENTRIES.c.account_id == account_id, _ENTRIES.c.meeting_id.in_(chunk))
                .order_by(_ENTRIES.c.meeting_id, _ENTRIES.c.index)
            )
            for meeting_id, *content in result:
                stored.setdefault(meeting_id, []).append(tuple(content))
        replaced = [
            record
            for record in records
            if [row[2:] for row in entry_rows(account_id, record)] != stored.get(record.id, [])
        ]
        await self._delete_children(_ENTRIES, account_id, [r.id for r in replaced])
        await self._insert_entries(account_id, replaced)

    async def _insert_entries(self, account_id: str, records: Sequence[MeetingRecord]) -> None:
        """Insert these meetings' transcript entries and index them for search.

        The entries go to the driver as tuples, never through per-row statement compilation:
        SQLite's `executemany`, then one FTS5 `INSERT … SELECT` over these meetings (there
        is no insert trigger since migration 0004); PostgreSQL's `COPY`, which fills the
        generated `text_tsv` column and its index by itself.
        """
        rows = [row for record in records for row in entry_rows(account_id, record)]
        if not rows:
            return
        connection = await self._session.connection()
        if connection.dialect.name != "sqlite":
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            await raw.copy_records_to_table(
                "transcript_entries", records=rows, columns=list(ENTRY_COLUMNS)
            )
            return
        await connection.exec_driver_sql(_INSERT_ENTRIES, rows)
        with_entries = list(dict.fromkeys(row[1] for row in rows))
        for chunk in _chunks(with_entries):
            await connection.exec_driver_sql(
                _INDEX_ENTRIES.format(", ".join("?" * len(chunk))), (account_id, *chunk)
            )

    async def delete_meetings(self, account_id: str, ids: Iterable[str]) -> list[str]:
        """Delete these meetings (and their attendees and entries); the ids that existed."""
        found = await self._existing_ids(account_id, ids)
        # Children first and explicitly: the SQLite search index drops entries by row trigger.
        await self._delete_children(_ENTRIES, account_id, found)
        await self._delete_children(_ATTENDEES, account_id, found)
        for chunk in _chunks(found):
            await self._session.execute(
                delete(_MEETINGS).where(
                    _MEETINGS.c.account_id == account_id, _MEETINGS.c.id.in_(chunk)
                )
            )
        return found

    async def meeting_ids_between(
        self, account_id: str, lowest: datetime | None, highest: datetime | None
    ) -> list[str]:
        """Ids of stored meetings starting within [lowest, highest] (None: unbounded)."""
        conditions = [_MEETINGS.c.account_id == account_id]
        if lowest is not None:
            conditions.append(_MEETINGS.c.start_time >= lowest)
        if highest is not None:
            conditions.append(_MEETINGS.c.start_time <= highest)
        result = await self._session.execute(select(_MEETINGS.c.id).where(and_(*conditions)))
        return list(result.scalars())

    # -- users and teams --------------------------------------------------------------------

    async def replace_users(self, account_id: str, users: Sequence[User]) -> dict[str, int]:
        """Make the stored users exactly `users` (a complete listing)."""
        rows = [
            without_nul(
                {
                    "id": u.id,
                    "email": next((e.email for e in u.emails if e.is_primary), None)
                    or (u.emails[0].email if u.emails else None),
                    "data": u.model_dump(mode="json"),
                }
            )
            for u in users
        ]
        return await self._replace(StoredUser, account_id, rows)

    async def replace_teams(self, account_id: str, teams: Sequence[Team]) -> dict[str, int]:
        """Make the stored teams exactly `teams` (a complete listing)."""
        rows = [without_nul({"id": t.id, "data": t.model_dump(mode="json")}) for t in teams]
        return await self._replace(StoredTeam, account_id, rows)

    async def _replace(
        self,
        model: type[StoredUser] | type[StoredTeam],
        account_id: str,
        rows: list[dict[str, Any]],
    ) -> dict[str, int]:
        table = cast(Table, model.__table__)
        result = await self._session.execute(
            select(table.c.id, table.c.content_hash).where(table.c.account_id == account_id)
        )
        stored: dict[str, str] = {row[0]: row[1] for row in result}
        now = utcnow()
        fresh: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        seen = set()
        for row in rows:
            if row["id"] in seen:
                continue
            seen.add(row["id"])
            row = {**row, "content_hash": content_hash(row["data"]), "updated_at": now}
            if row["id"] not in stored:
                fresh.append({**row, "account_id": account_id})
            elif stored[row["id"]] != row["content_hash"]:
                changed.append({**row, "b_id": row.pop("id"), "b_account_id": account_id})
        await self._insert(table, fresh)
        if changed:
            await self._session.execute(
                update(table).where(
                    table.c.account_id == bindparam("b_account_id"),
                    table.c.id == bindparam("b_id"),
                ),
                changed,
            )
        gone = [id_ for id_ in stored if id_ not in seen]
        await self._delete_children(table, account_id, gone, column="id")
        return {"created": len(fresh), "updated": len(changed), "deleted": len(gone)}

    # -- digest -----------------------------------------------------------------------------

    async def meeting_digest(self, account_id: str) -> str:
        """SHA-256 over every stored meeting of the account: its JSON, attendees and entries."""
        digest = hashlib.sha256()
        meetings = await self._session.stream(
            select(_MEETINGS.c.id, _MEETINGS.c.has_details, _MEETINGS.c.data)
            .where(_MEETINGS.c.account_id == account_id)
            .order_by(_MEETINGS.c.id)
        )
        entries = await self._grouped(_ENTRIES, account_id, _ENTRIES.c.index)
        attendees = await self._grouped(_ATTENDEES, account_id, _ATTENDEES.c.position)
        async for id_, details, data in meetings:
            digest.update(
                canonical_json([id_, details, data, entries.get(id_, []), attendees.get(id_, [])])
            )
            digest.update(b"\n")
        return digest.hexdigest()

    async def _grouped(self, table: Table, account_id: str, order: Any) -> dict[str, list[Any]]:
        skip = {"id", "account_id", "meeting_id", "text_tsv"}
        columns = [c for c in table.c if c.name not in skip]
        result = await self._session.execute(
            select(table.c.meeting_id, *columns)
            .where(table.c.account_id == account_id)
            .order_by(table.c.meeting_id, order)
        )
        grouped: dict[str, list[Any]] = {}
        for row in result:
            grouped.setdefault(row[0], []).append(list(row[1:]))
        return grouped

    # -- helpers ----------------------------------------------------------------------------

    async def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        for chunk in _chunks(rows, 2000):
            await self._session.execute(insert(table), list(chunk))

    async def _delete_children(
        self, table: Table, account_id: str, ids: Sequence[str], *, column: str = "meeting_id"
    ) -> None:
        for chunk in _chunks(ids):
            await self._session.execute(
                delete(table).where(table.c.account_id == account_id, table.c[column].in_(chunk))
            )
