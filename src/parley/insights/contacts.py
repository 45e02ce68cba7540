"""The CRM call log: the developer's contacts and companies, matched to stored meetings.

Records belong to one integrated account of the caller's tenant (anyone else's account is a
404). A record upsert or delete re-matches the stored meetings it can concern, in the same
transaction, without events; `on_meetings_stored` re-matches a sync page's meetings inside
the page's transaction and writes a `crm.activity_matched` event for each match of a
completed meeting with a transcript, once per meeting and record (see `contacts_activity`).
Lists page with signed keyset cursors bound to the account, the resource and the filters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import ConflictError, InvalidCursorError, InvalidRequestError, NotFoundError
from parley.insights.contacts_activity import (
    Activity,
    ActivityLinks,
    UnmatchedAttendee,
    activity_of,
    company_name_of,
    grouped_keys,
    rematch,
    unmatched_groups,
)
from parley.insights.contacts_match import CrmMatcher, email_domain, normalise_domain
from parley.insights.contacts_match import normalise_email as _normalise_email
from parley.insights.contacts_records import (
    MAX_BATCH,
    BatchError,
    BatchResult,
    CompanyView,
    ContactView,
    CrmCursors,
    RecordInput,
    RecordType,
    meeting_key,
    parse_external_id,
    parse_record,
    record_view,
)
from parley.security.signing import Signer
from parley.storage import Database, Event, utcnow
from parley.storage.page_hooks import PageContext
from parley.storage.repositories import EventRepository
from parley.storage.repositories.crm import COMPANIES, CONTACTS, CrmRepository, RecordKind
from parley.storage.repositories.crm_matches import CrmMatchRepository

__all__ = ["ACTIVITY_MATCHED", "CrmPage", "CrmService"]

ACTIVITY_MATCHED = "crm.activity_matched"
T = TypeVar("T")
_KINDS: dict[str, RecordKind] = {"contact": CONTACTS, "company": COMPANIES}


@dataclass(frozen=True)
class CrmPage(Generic[T]):
    """One page of a CRM list and the cursor of the next (None at the end)."""

    items: list[T]
    next_cursor: str | None = None


def _domains(kind: RecordKind, keys: Iterable[str]) -> list[str]:
    """The domains whose attendees a record's keys can match."""
    if kind is CONTACTS:
        return sorted({email_domain(k) for k in keys})
    return sorted(set(keys))


class CrmService:
    """Contacts, companies, call logs and unmatched attendees over the stored copy."""

    def __init__(
        self,
        db: Database,
        signer: Signer,
        *,
        public_url: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._cursors = CrmCursors(signer)
        self._links = ActivityLinks(public_url)
        self._clock = clock

    # -- records ------------------------------------------------------------------------

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        """A write transaction; losing a race on the same record is a 409, not a 500."""
        try:
            async with self._db.session() as session:
                yield session
        except IntegrityError:
            raise ConflictError(
                "Another request wrote the same CRM records at the same moment; retry.",
                code="crm_write_conflict",
            ) from None

    @staticmethod
    async def _account(repo: CrmRepository, tenant_id: str, account_id: str) -> None:
        if await repo.account_tenant(account_id) != tenant_id:
            raise NotFoundError(
                f"No integrated account {account_id} for this key.",
                code="integrated_account_not_found",
            )

    @staticmethod
    def _missing(kind: RecordKind, external_id: str) -> NotFoundError:
        return NotFoundError(
            f"No {kind.name} {external_id!r} in this account's CRM records.",
            code=f"crm_{kind.name}_not_found",
        )

    async def _store(
        self, session: AsyncSession, kind: RecordKind, account_id: str, items: Sequence[Any]
    ) -> list[bool]:
        """Upsert `(external_id, RecordInput)` pairs, then re-match what they concern."""
        repo = CrmRepository(session)
        ids = [external_id for external_id, _ in items]
        old = await repo.keys_of(kind, account_id, ids)
        domains = set(_domains(kind, [*old, *(k for _, record in items for k in record.keys)]))
        touched = await CrmMatchRepository(session).matched_meetings(kind, account_id, ids)
        rows = [(external_id, record.values, record.keys) for external_id, record in items]
        created = await repo.upsert_many(kind, account_id, rows, self._clock())
        await self._backfill(session, account_id, touched, domains)
        return created

    async def _backfill(
        self, session: AsyncSession, account_id: str, touched: set[str], domains: set[str]
    ) -> None:
        found = await CrmMatchRepository(session).meetings_with_attendee_domain(
            account_id, sorted(domains)
        )
        meetings = None if found is None else touched | found
        await rematch(session, account_id, meetings, announce=False, now=self._clock())

    async def upsert(
        self, type_: RecordType, tenant_id: str, account_id: str, external_id: str, body: object
    ) -> tuple[ContactView | CompanyView, bool]:
        """Create or replace one record; True when it was created."""
        external_id = parse_external_id(external_id)
        record = parse_record(type_, body)
        kind = _KINDS[type_]
        async with self._writing() as session:
            repo = CrmRepository(session)
            await self._account(repo, tenant_id, account_id)
            [created] = await self._store(session, kind, account_id, [(external_id, record)])
            row = await repo.record(kind, account_id, external_id)
            assert row is not None
            return record_view(account_id, row), created

    async def batch(
        self, type_: RecordType, tenant_id: str, account_id: str, body: object
    ) -> BatchResult:
        """Upsert up to 1,000 records; each row stands alone (bad ones are reported)."""
        field = "contacts" if type_ == "contact" else "companies"
        rows = body.get(field) if isinstance(body, dict) else None
        if not isinstance(body, dict) or set(body) != {field} or not isinstance(rows, list):
            raise InvalidRequestError(f"The body must be {{{field!r}: [...]}}.", param=field)
        if len(rows) > MAX_BATCH:
            raise InvalidRequestError(
                f"At most {MAX_BATCH} {field} per batch (got {len(rows)}).", param=field
            )
        good: list[tuple[str, RecordInput]] = []
        errors: list[BatchError] = []
        for index, row in enumerate(rows):
            prefix = f"{field}[{index}]"
            try:
                if not isinstance(row, dict):
                    raise InvalidRequestError("Each row must be a JSON object.", param=prefix)
                fields = dict(row)
                external_id = parse_external_id(
                    fields.pop("external_id", None), f"{prefix}.external_id"
                )
                good.append((external_id, parse_record(type_, fields, prefix)))
            except InvalidRequestError as exc:
                errors.append(BatchError(index=index, error=exc.to_dict()))
        async with self._writing() as session:
            repo = CrmRepository(session)
            await self._account(repo, tenant_id, account_id)
            created = await self._store(session, _KINDS[type_], account_id, good)
        made = sum(created)
        return BatchResult(created=made, updated=len(created) - made, errors=errors)

    async def get(
        self, type_: RecordType, tenant_id: str, account_id: str, external_id: str
    ) -> ContactView | CompanyView:
        """One record (404 `crm_contact_not_found` / `crm_company_not_found`)."""
        kind = _KINDS[type_]
        async with self._db.session() as session:
            repo = CrmRepository(session)
            await self._account(repo, tenant_id, account_id)
            row = await repo.record(kind, account_id, external_id)
            if row is None:
                raise self._missing(kind, external_id)
            return record_view(account_id, row)

    async def delete(
        self, type_: RecordType, tenant_id: str, account_id: str, external_id: str
    ) -> None:
        """Forget a record and its matches (its meetings may then match something else)."""
        kind = _KINDS[type_]
        async with self._writing() as session:
            repo = CrmRepository(session)
            await self._account(repo, tenant_id, account_id)
            keys = await repo.keys_of(kind, account_id, [external_id])
            matches = CrmMatchRepository(session)
            touched = await matches.matched_meetings(kind, account_id, [external_id])
            if not await repo.delete(kind, account_id, external_id):
                raise self._missing(kind, external_id)
            await self._backfill(session, account_id, touched, set(_domains(kind, keys)))

    async def list_records(
        self,
        type_: RecordType,
        tenant_id: str,
        account_id: str,
        *,
        key: str | None,
        limit: int,
        cursor: str | None,
    ) -> CrmPage[ContactView | CompanyView]:
        """Records in external id order; `key`: those with this email (domain)."""
        kind = _KINDS[type_]
        param = "email" if type_ == "contact" else "domain"
        normalised = None
        if key is not None:
            try:
                normalised = _normalise_email(key) if type_ == "contact" else normalise_domain(key)
            except ValueError as exc:
                raise InvalidRequestError(str(exc), param=param) from None
        digest = self._cursors.digest(account_id, kind.name, {param: normalised})
        position = self._cursors.open(cursor, digest)
        if position is not None and not isinstance(position[0], str):
            raise InvalidCursorError("Malformed cursor.", param="next_cursor")
        async with self._db.session() as session:
            repo = CrmRepository(session)
            await self._account(repo, tenant_id, account_id)
            after = position[0] if position else None
            rows = await repo.records(
                kind, account_id, key=normalised, after_id=after, limit=limit + 1
            )
        page = [record_view(account_id, row) for row in rows[:limit]]
        more = len(rows) > limit
        return CrmPage(page, self._cursors.seal([page[-1].external_id], digest) if more else None)

    # -- call log -----------------------------------------------------------------------

    async def activities(
        self,
        type_: RecordType,
        tenant_id: str,
        account_id: str,
        external_id: str,
        *,
        limit: int,
        cursor: str | None,
        visible: ColumnElement[bool] | None = None,
        app_user_id: str | None = None,
    ) -> CrmPage[Activity]:
        """The record's matched meetings, newest first: those `visible` lets through (a
        scope's clause over `meetings`, inside the query; cursors bound to `app_user_id`)."""
        kind = _KINDS[type_]
        bound = {} if app_user_id is None else {"app_user_id": app_user_id}
        resource = f"{kind.name}:{external_id}:activities"
        digest = self._cursors.digest(account_id, resource, bound)
        position = self._cursors.open(cursor, digest)
        after = None if position is None else meeting_key(position)
        async with self._db.session() as session:
            repo = CrmRepository(session)
            await self._account(repo, tenant_id, account_id)
            if await repo.record(kind, account_id, external_id) is None:
                raise self._missing(kind, external_id)
            matches = CrmMatchRepository(session)
            rows = await matches.activities(
                kind, account_id, external_id, after=after, limit=limit + 1, visible=visible
            )
            page = rows[:limit]
            transcripts = await matches.with_transcript(account_id, [m.id for _, m in page])
        items = [
            activity_of(
                meeting,
                kind=match.kind,
                position=match.attendee_position,
                email=match.attendee_email,
                has_transcript=meeting.has_details and meeting.id in transcripts,
                links=self._links,
            )
            for match, meeting in page
        ]
        next_cursor = None
        if len(rows) > limit:
            last = page[-1][1]
            stamp = last.start_time.isoformat() if last.start_time else None
            next_cursor = self._cursors.seal([stamp, last.id], digest)
        return CrmPage(items, next_cursor)

    async def unmatched(
        self, tenant_id: str, account_id: str, *, limit: int, cursor: str | None
    ) -> CrmPage[UnmatchedAttendee]:
        """External attendees matching no record, most meetings first, then by email."""
        digest = self._cursors.digest(account_id, "unmatched-attendees", {})
        position = self._cursors.open(cursor, digest)
        if position is not None and (
            len(position) != 2
            or not isinstance(position[0], int)
            or not isinstance(position[1], str)
        ):
            raise InvalidCursorError("Malformed cursor.", param="next_cursor")
        async with self._db.session() as session:
            repo = CrmRepository(session)
            await self._account(repo, tenant_id, account_id)
            matches = CrmMatchRepository(session)
            rows = await matches.external_attendees(account_id)
            matcher = CrmMatcher(
                grouped_keys(await repo.all_keys(CONTACTS, account_id)),
                grouped_keys(await repo.all_keys(COMPANIES, account_id)),
            )
            groups = unmatched_groups(rows, matcher)
            if position is not None:
                after = (-position[0], position[1])
                groups = [g for g in groups if g.order() > after]
            page = groups[:limit]
            meetings = {
                m.id: m
                for m in await matches.meetings(account_id, [g.latest.meeting_id for g in page])
            }
        items = [
            UnmatchedAttendee(
                email=g.email,
                name=g.latest.name,
                company_name=company_name_of(meetings.get(g.latest.meeting_id), g.latest.position),
                meetings=len(g.meetings),
                last_seen=g.last_seen,
            )
            for g in page
        ]
        more = len(groups) > limit
        last = page[-1] if page else None
        next_cursor = (
            self._cursors.seal([len(last.meetings), last.email], digest) if more and last else None
        )
        return CrmPage(items, next_cursor)

    # -- sync ---------------------------------------------------------------------------

    async def on_page(self, session: AsyncSession, page: PageContext) -> None:
        """The sync page hook: re-match the page's new or changed meetings (deleted
        meetings take their matches with them: `crm_matches` cascades)."""
        if page.changed:
            await self.on_meetings_stored(
                session,
                tenant_id=page.tenant_id,
                account_id=page.account_id,
                meeting_ids=[changed.id for changed in page.changed],
            )

    async def on_meetings_stored(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        account_id: str,
        meeting_ids: Iterable[str],
    ) -> list[Event]:
        """Re-match a sync page's new or changed meetings inside the page's transaction.

        Writes one `crm.activity_matched` event per meeting and record when a completed
        meeting with a transcript first matches; returns the events written.
        """
        announced = await rematch(
            session, account_id, list(meeting_ids), announce=True, now=self._clock()
        )
        outbox = EventRepository(session)
        events: list[Event] = []
        for (_, kind, external_id), match, meeting, has_transcript in announced:
            activity = activity_of(
                meeting,
                kind=kind,
                position=match.position,
                email=match.email,
                has_transcript=has_transcript,
                links=self._links,
            )
            data = {
                "activity": activity.model_dump(mode="json"),
                f"{kind}_external_id": external_id,
                "integrated_account_id": account_id,
            }
            events.append(
                await outbox.record(tenant_id, ACTIVITY_MATCHED, data, account_id=account_id)
            )
        return events
