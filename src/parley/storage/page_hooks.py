"""What a sync page's transaction offers other computations: one hook, called inside it.

The sync writes a page of meetings, its outbox events and its checkpoint in one transaction
(`parley.sync.engine`). Whatever derives rows from meetings (the insights) implements
`PageHook` and is handed to the sync by the Runtime; the sync calls every hook in that same
transaction, after the page's rows are written and before its checkpoint. A hook may write
its own rows and outbox events through the session; they commit with the page, and a hook
that raises fails the page, so nothing of it is committed. The sync knows nothing of the
hooks beyond this module, and the hooks nothing of the sync: both import it from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.repositories.store_records import MeetingRecord, WriteOutcome

__all__ = ["ChangedMeeting", "PageContext", "PageHook"]


@dataclass(frozen=True, slots=True)
class ChangedMeeting:
    """A meeting the page created or changed, as just stored."""

    #: `created` or `updated` (an unchanged meeting is never handed to a hook).
    outcome: WriteOutcome
    #: The stored record: the unified meeting (without transcript and raw payload), its
    #: JSON, and the transcript as `ENTRY_CONTENT` tuples in spoken order.
    record: MeetingRecord

    @property
    def id(self) -> str:
        return self.record.id


@dataclass(frozen=True, slots=True)
class PageContext:
    """One committed unit of a sync: a page of meetings, or the run's closing deletions."""

    tenant_id: str
    account_id: str
    run_id: str
    #: New and changed meetings of the page, in listing order (empty: nothing changed).
    changed: Sequence[ChangedMeeting] = ()
    #: Meetings deleted from the store in this transaction: their derived rows go too.
    deleted_ids: Sequence[str] = ()


class PageHook(Protocol):
    """Derives rows from a page's meetings inside the page's transaction."""

    async def on_page(self, session: AsyncSession, page: PageContext) -> None:
        """Update derived rows (and add outbox events) for `page`, in `session`."""
        ...
