"""Fill the synced copy for search and stored-read tests: tenants, accounts, meetings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from parley.storage import Database, IntegratedAccount, Tenant, new_id, utcnow
from parley.storage.repositories.store import StoreRepository, meeting_record
from parley.unified import Meeting, Team, User

BASE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
REC = "https://parley.test/unified/conversational-intelligence/meetings"
#: The playback link builder of the tests' search: `{PLAY}/{meeting}?kind={kind}`.
PLAY = "https://parley.test/play"


async def add_account(db: Database, tenant: str = "acme") -> str:
    """A tenant (created once) with one more integrated account; returns the account id."""
    async with db.session() as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.name == tenant))
        if tenant_id is None:
            row = Tenant(id=new_id(), name=tenant, created_at=utcnow())
            session.add(row)
            await session.flush()
            tenant_id = row.id
        account = IntegratedAccount(
            id=new_id(),
            tenant_id=tenant_id,
            integration="chorus",
            status="active",
            credentials_ciphertext=b"sealed",
            key_id="k1",
            settings={},
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        session.add(account)
    return account.id


def line(
    index: int, text: str, speaker: str = "rep", start: float | None = None
) -> dict[str, object]:
    """A transcript entry dict; `speaker` is `rep` (user Ana, u1) or `guest` (Bo)."""
    at = start if start is not None else index * 10.0
    name, kind = ("Ana Rep", "user") if speaker == "rep" else ("Bo Guest", "guest")
    return {
        "index": index,
        "speaker_id": f"s-{speaker}",
        "speaker_name": name,
        "speaker_type": kind,
        "text": text,
        "start_time": at,
        "end_time": at + 8.5,
    }


def meeting(
    meeting_id: str,
    lines: Sequence[dict[str, object]] | None = None,
    *,
    title: str | None = None,
    days_ago: int = 0,
    owner: str = "u1",
    emails: Sequence[str] = ("bo@customer.example",),
    kind: str = "meeting",
    duration: float = 1800.0,
    video: bool = True,
) -> Meeting:
    """A unified meeting as a sync would store it (transcript when `lines` is given)."""
    start = BASE - timedelta(days=days_ago)
    rec = f"{REC}/{meeting_id}/recording?integrated_account_id=x"
    return Meeting.model_validate(
        {
            "id": meeting_id,
            "title": title or f"Call {meeting_id}",
            "type": kind,
            "status": "completed",
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(seconds=duration)).isoformat(),
            "duration": duration,
            "owner": {"user_id": owner, "name": "Ana Rep"},
            "attendees": [
                {"id": owner, "user_id": owner, "name": "Ana Rep", "type": "user", "is_host": True},
                *({"id": e, "email": e, "type": "guest"} for e in emails),
            ],
            "audio_recording_url": f"{rec}&kind=audio",
            "video_recording_url": f"{rec}&kind=video" if video else None,
            "transcript": list(lines) if lines is not None else None,
            "speakers": [
                {"speaker_id": "s-rep", "name": "Ana Rep", "type": "user", "user_id": owner},
                {"speaker_id": "s-guest", "name": "Bo Guest", "type": "guest"},
            ]
            if lines is not None
            else None,
            "summary": "A summary." if lines is not None else None,
        }
    )


async def store(db: Database, account_id: str, meetings: Sequence[Meeting]) -> None:
    """Write meetings (new or changed) to the synced copy through the sync's repository."""
    records = [meeting_record(m, has_details=m.transcript is not None) for m in meetings]
    async with db.session() as session:
        repository = StoreRepository(session)
        existing = await repository.meeting_states(account_id, [r.id for r in records])
        await repository.write_meetings(account_id, records, existing)


async def delete(db: Database, account_id: str, ids: Sequence[str]) -> None:
    """Delete stored meetings as a sync does."""
    async with db.session() as session:
        await StoreRepository(session).delete_meetings(account_id, ids)


async def store_people(
    db: Database, account_id: str, users: Sequence[User], teams: Sequence[Team]
) -> None:
    """Replace the stored users and teams."""
    async with db.session() as session:
        repository = StoreRepository(session)
        await repository.replace_users(account_id, users)
        await repository.replace_teams(account_id, teams)
