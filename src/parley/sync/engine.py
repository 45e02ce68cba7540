"""The sync engine: window -> pages -> full meetings -> store upsert + outbox -> checkpoint.

Listing, full-meeting fetches and store writes overlap: a lister walks the provider's pages,
each page's full fetches start at once (sharing one concurrency gate, the account's rate
limiter paces them), and the writer commits pages strictly in order, each in one
transaction with its events, the page hooks' work (`parley.storage.page_hooks`) and the
run's checkpoint. At most `1 + PREFETCH` pages are held in memory (the one being written,
the ones listed ahead), whatever the account's size.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import (
    ParleyError,
    ProviderError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from parley.http import RetryPolicy
from parley.providers.base import MeetingFilters, Provider
from parley.storage import Database, utcnow
from parley.storage.page_hooks import ChangedMeeting, PageContext, PageHook
from parley.storage.repositories.events import EventRepository
from parley.storage.repositories.store import (
    MeetingRecord,
    StoredMeetingState,
    StoreRepository,
    WriteOutcome,
    canonical_json,
    meeting_record,
)
from parley.sync.checkpoint import Checkpoint, page_band, prune_candidates
from parley.sync.lease import renew_lease
from parley.sync.run_writer import RunWriter
from parley.sync.uninterrupted import uninterrupted
from parley.unified import Meeting, MeetingStatus

__all__ = [
    "PREFETCH",
    "Progress",
    "RunContext",
    "SyncEngine",
    "error_record",
    "needs_details",
    "uninterrupted",
]

T = TypeVar("T")
#: Pages listed and being fetched ahead of the one being written.
PREFETCH = 1
#: Called after every committed page with the run's counts so far.
Progress = Callable[[Mapping[str, int]], None]
_TRANSIENT = (ProviderUnavailableError, ProviderRateLimitedError, ProviderResponseError)
_MAX_WAIT = 60.0


def error_record(exc: BaseException, stage: str) -> dict[str, Any]:
    """An entry of `sync_runs.errors` (messages never carry credentials)."""
    if isinstance(exc, ParleyError):
        code, message = exc.code, exc.message
    else:
        code, message = "internal_error", f"Unexpected {type(exc).__name__} during sync."
    return {"stage": stage, "code": code, "message": message, "at": utcnow().isoformat()}


def needs_details(listed: Meeting, state: StoredMeetingState | None) -> bool:
    """Fetch the full meeting only for a new or changed completed call."""
    if listed.status is not MeetingStatus.COMPLETED:
        return False
    if state is None or not state.has_details:
        return True
    return canonical_json(listed.remote_data) != canonical_json(state.remote_data)


@dataclass
class RunContext:
    """One execution of one run: who we are, what we hold and how far we got."""

    run_id: str
    account_id: str
    tenant_id: str
    owner: str
    lease_ttl: timedelta
    checkpoint: Checkpoint
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, value: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


@dataclass
class _Prepared:
    listed: list[Meeting]
    records: list[MeetingRecord]
    states: dict[str, StoredMeetingState]
    next_position: str | None
    fetched: int


class SyncEngine:
    """Runs one window of one account against its provider."""

    def __init__(
        self,
        db: Database,
        *,
        concurrency: int = 8,
        retries: int = 4,
        retry_delay: float = 1.0,
        hooks: Sequence[PageHook] = (),
    ) -> None:
        self._db = db
        self._hooks = tuple(hooks)
        self._concurrency = concurrency
        self._retries = retries
        # Retries of whole provider calls, on top of the HTTP client's own: no jitter (one
        # caller per account), never more than a minute apart.
        self._backoff = RetryPolicy(
            max_attempts=retries + 1, base_delay=retry_delay, max_delay=_MAX_WAIT, jitter=0.0
        )

    async def retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """Call again after transient provider failures that outlived the HTTP retries."""
        for attempt in range(self._retries + 1):
            try:
                return await call()
            except _TRANSIENT as exc:
                if attempt >= self._retries:
                    raise
                wait = max(self._backoff.backoff(attempt + 1), exc.retry_after or 0.0)
                await asyncio.sleep(min(wait, _MAX_WAIT))
        raise AssertionError("unreachable")

    # -- users and teams --------------------------------------------------------------------

    async def sync_people(self, provider: Provider, ctx: RunContext) -> None:
        """Replace the stored users and teams with the provider's (a failure is recorded)."""
        for kind, listing in (("users", provider.list_users), ("teams", provider.list_teams)):
            try:
                items: Any = await self.retrying(listing)
            except ProviderError as exc:
                if isinstance(exc, _TRANSIENT):
                    raise
                ctx.errors.append(error_record(exc, kind))
                continue
            async with self._db.session() as session:
                store = StoreRepository(session)
                if kind == "users":
                    await store.replace_users(ctx.account_id, items)
                else:
                    await store.replace_teams(ctx.account_id, items)
            ctx.counts[kind] = len(items)

    # -- meetings ---------------------------------------------------------------------------

    async def sync_meetings(
        self, provider: Provider, ctx: RunContext, on_page: Progress | None = None
    ) -> None:
        """List the window from the checkpoint on; every page committed with its checkpoint."""
        if ctx.checkpoint.listed_all:
            return
        try:
            await self._pipeline(provider, ctx, on_page)
        except ProviderError as exc:
            if (
                ctx.checkpoint.position is None
                or exc.remote_status != 400
                or isinstance(exc, _TRANSIENT)
            ):
                raise
            # The provider no longer accepts the saved position: list the window again.
            ctx.checkpoint.restart()
            await self._pipeline(provider, ctx, on_page)

    async def _pipeline(
        self, provider: Provider, ctx: RunContext, on_page: Progress | None
    ) -> None:
        filters = MeetingFilters(start_time_after=ctx.checkpoint.window_start)
        gate = asyncio.Semaphore(self._concurrency)
        # Pages held at once: the one being written plus PREFETCH being listed and fetched. A
        # slot is taken before a page is listed and freed once it is committed, so a slow
        # writer never lets fetched meetings pile up (memory stays flat whatever the size).
        slots = asyncio.Semaphore(1 + PREFETCH)
        queue: asyncio.Queue[asyncio.Task[_Prepared] | None] = asyncio.Queue()
        seen: set[str] = set()
        inflight: set[asyncio.Task[_Prepared]] = set()

        async def produce() -> None:
            position = ctx.checkpoint.position
            while True:
                await slots.acquire()
                page = await self.retrying(
                    lambda: provider.list_meetings_page(filters, position)  # noqa: B023
                )
                fresh = [m for m in page.items if m.id not in seen]
                seen.update(m.id for m in fresh)
                task = asyncio.create_task(
                    self._prepare(provider, ctx.account_id, fresh, page.next_position, gate)
                )
                inflight.add(task)
                await queue.put(task)
                if page.next_position is None:
                    break
                position = page.next_position
            await queue.put(None)

        producer = asyncio.create_task(produce())
        getter: asyncio.Task[Any] | None = None
        try:
            while True:
                getter = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait(
                    {getter, producer}, return_when=asyncio.FIRST_COMPLETED
                )
                if getter not in done:
                    # The producer ended first: with an error, or after queueing everything.
                    if producer.exception() is not None:
                        raise producer.exception()  # type: ignore[misc]
                    await getter
                task = getter.result()
                if task is None:
                    break
                prepared = await task
                inflight.discard(task)  # done pages are not kept: memory stays flat
                await uninterrupted(self._commit(ctx, prepared))
                del prepared
                slots.release()
                if on_page is not None:
                    on_page(dict(ctx.counts))
            await producer
        finally:
            leftovers = [producer, *inflight] + ([getter] if getter is not None else [])
            for leftover in leftovers:
                leftover.cancel()
            await asyncio.gather(*leftovers, return_exceptions=True)

    async def _prepare(
        self,
        provider: Provider,
        account_id: str,
        listed: list[Meeting],
        next_position: str | None,
        gate: asyncio.Semaphore,
    ) -> _Prepared:
        async with self._db.session() as session:
            states = await StoreRepository(session).meeting_states(
                account_id, (m.id for m in listed)
            )

        async def build(meeting: Meeting) -> MeetingRecord | None:
            state = states.get(meeting.id)
            if needs_details(meeting, state):
                async with gate:
                    full = await self._full(provider, meeting)
                if full is not None:
                    return meeting_record(full, has_details=True, remote_data=meeting.remote_data)
            elif meeting.status is MeetingStatus.COMPLETED:
                return None  # unchanged listing, details already stored
            return meeting_record(meeting, has_details=False, remote_data=meeting.remote_data)

        built = await asyncio.gather(*(build(m) for m in listed))
        records = [r for r in built if r is not None]
        fetched = sum(1 for r in records if r.has_details)
        return _Prepared(listed, records, states, next_position, fetched)

    async def _full(self, provider: Provider, listed: Meeting) -> Meeting | None:
        try:
            return await self.retrying(lambda: provider.get_meeting(listed.id, listed=listed))
        except ProviderNotFoundError:
            # Listed, yet gone by the time we asked: keep what the listing said.
            return None

    async def _commit(self, ctx: RunContext, prepared: _Prepared) -> None:
        # Work on copies: the run's progress changes only once the page is committed.
        checkpoint = replace(ctx.checkpoint)
        counts = Counter(ctx.counts)
        last = prepared.next_position is None
        listed_ids = [m.id for m in prepared.listed]
        async with self._db.session() as session:
            await renew_lease(session, ctx.account_id, ctx.owner, ctx.lease_ttl)
            store = StoreRepository(session)
            outcomes = await store.write_meetings(ctx.account_id, prepared.records, prepared.states)
            events = EventRepository(session)
            changed = []
            for record, outcome in zip(prepared.records, outcomes, strict=True):
                if outcome is not WriteOutcome.UNCHANGED:
                    changed.append(ChangedMeeting(outcome, record))
                    await events.record(
                        ctx.tenant_id,
                        f"meeting.{outcome.value}",
                        meeting_event_data(ctx.account_id, record.data),
                        account_id=ctx.account_id,
                    )
            await self._run_hooks(session, ctx, changed=changed)
            counts.update(outcome.value for outcome in outcomes)
            counts["unchanged"] += len(prepared.listed) - len(prepared.records)
            band = page_band(checkpoint, [m.start_time for m in prepared.listed], last=last)
            in_band = [] if band is None else await store.meeting_ids_between(ctx.account_id, *band)
            checkpoint.candidates = prune_candidates(checkpoint, in_band, listed_ids)
            if band is not None and not last:
                checkpoint.upper = band[0]
            checkpoint.position = prepared.next_position
            checkpoint.previous_ids = listed_ids
            checkpoint.pages += 1
            checkpoint.listed_all = last
            counts.update(pages=1, listed=len(prepared.listed), details_fetched=prepared.fetched)
            await RunWriter(session).page(ctx.run_id, checkpoint, counts)
        ctx.checkpoint, ctx.counts = checkpoint, dict(counts)

    async def delete_gone(self, session: AsyncSession, ctx: RunContext) -> None:
        """Once the whole window was listed: delete the remaining candidates, in `session`.

        Each deleted meeting gets a `meeting.deleted` event, and the page hooks hear of them
        in the same transaction (so derived rows go with their meetings).
        """
        checkpoint = ctx.checkpoint
        if not (checkpoint.listed_all and checkpoint.candidates):
            return
        store = StoreRepository(session)
        gone = await store.delete_meetings(ctx.account_id, checkpoint.candidates)
        events = EventRepository(session)
        for meeting_id in gone:
            await events.record(
                ctx.tenant_id,
                "meeting.deleted",
                meeting_event_data(ctx.account_id, {"id": meeting_id}),
                account_id=ctx.account_id,
            )
        if gone:
            await self._run_hooks(session, ctx, deleted_ids=gone)
        ctx.add("deleted", len(gone))
        checkpoint.candidates = []

    async def _run_hooks(
        self,
        session: AsyncSession,
        ctx: RunContext,
        *,
        changed: Sequence[ChangedMeeting] = (),
        deleted_ids: Sequence[str] = (),
    ) -> None:
        if not self._hooks:
            return
        page = PageContext(
            ctx.tenant_id, ctx.account_id, ctx.run_id, tuple(changed), tuple(deleted_ids)
        )
        for hook in self._hooks:
            await hook.on_page(session, page)


def meeting_event_data(account_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A `meeting.*` event's `data`: the stored meeting (no raw payload) and its account."""
    body = {k: v for k, v in data.items() if k != "remote_data"}
    body["integrated_account_id"] = account_id
    return body
