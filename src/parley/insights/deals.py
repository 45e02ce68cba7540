"""Deal risk over the synced copy: recomputed as pages are stored, read with the clock.

- **As a sync stores a page** (`on_meetings_stored`, inside the page's transaction): the
  deals of the page's meetings, and the deals that lost a deleted meeting, are recomputed
  from the store; a deal left with no meeting is removed. An unchanged meeting is not
  passed in and costs nothing.
- **Events**: `deal_risk.raised` (data: the deal) when a recomputation finds a level above
  the one stored (low -> medium, medium -> high, low -> high; a new deal rises from low).
  Not again while the level holds; a fall then a rise raises again.
- **Settings** (`PUT /insights/risk-settings`): saved, then every deal of the tenant is
  recomputed in the request, in transactions of `REEVALUATE_BATCH` deals (a deal costs its
  meeting rows and the transcripts of its recent meetings, so a tenant's deals take
  seconds at most); the answer says how many were recomputed and raised.
- **Stalling** is the one clock-dependent signal: a read judges it at the time of the read
  (SQL filters and sorts on the score at that time), and `reevaluate_stalled` (hourly)
  recomputes the deals that stalled since they were computed, so their rise is an event.
- **Scoping**: reads take `visible`, a clause over `meetings` (per-user scoping): a deal is
  listed when any of its meetings is visible; its evidence, meeting count and dates and
  customer emails come from those (`deal_views.scoped_view`); another is not found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import InvalidCursorError, NotFoundError
from parley.insights.deal_meetings import (
    MeetingVisibility,
    visible_view,
    with_recent_transcripts,
)
from parley.insights.deal_views import (
    AccountPlayback,
    DealView,
    deal_facts,
    deal_view,
    playback_of,
)
from parley.insights.risk import RiskRules, assess
from parley.insights.risk_settings import RiskSettings, level_rank
from parley.security import Signer
from parley.storage import Database, utcnow
from parley.storage.page_hooks import PageContext
from parley.storage.repositories import IntegratedAccountRepository
from parley.storage.repositories.deals import DealKey, DealListQuery, DealRepository, ScoreRule
from parley.storage.repositories.events import EventRepository
from parley.storage.tables_deals import Deal
from parley.unified import CrmContext

__all__ = [
    "REEVALUATE_BATCH",
    "DealQuery",
    "DealRiskService",
    "MeetingRef",
    "MeetingVisibility",
    "Reevaluation",
]

REEVALUATE_BATCH = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RAISED = "deal_risk.raised"


class MeetingRef(Protocol):
    """What the page hook reads of a stored meeting (a unified `Meeting` fits; a sync's
    `MeetingRecord.meeting` too): its id and CRM context."""

    @property
    def id(self) -> str: ...

    @property
    def crm(self) -> CrmContext | None: ...


@dataclass(frozen=True)
class DealQuery:
    """Filters, order and paging of `GET /insights/deals`."""

    account_id: str | None = None
    level: Literal["low", "medium", "high"] | None = None
    min_score: int | None = None
    sort: Literal["score", "last_meeting"] = "score"
    limit: int = 50
    cursor: str | None = None
    #: The app user a scoped read acts as: its cursors are bound to it.
    app_user_id: str | None = None


@dataclass(frozen=True)
class Reevaluation:
    """What a re-evaluation did."""

    deals: int = 0
    raised: int = 0


class DealRiskService:
    """Deals and risk settings of every tenant; `clock` is the time of reads and computations."""

    def __init__(
        self,
        db: Database,
        cursors: Signer,
        *,
        playback: AccountPlayback | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._cursors = cursors
        self._playback = playback
        self.clock = clock

    # -- settings -----------------------------------------------------------------------

    async def settings(self, tenant_id: str) -> RiskSettings:
        """The tenant's settings (the defaults until a PUT)."""
        async with self._db.session() as session:
            return await self._settings(session, tenant_id)

    @staticmethod
    async def _settings(session: AsyncSession, tenant_id: str) -> RiskSettings:
        document = await DealRepository(session).settings(tenant_id)
        return RiskSettings() if document is None else RiskSettings.model_validate(document)

    async def put_settings(self, tenant_id: str, settings: RiskSettings) -> Reevaluation:
        """Replace the tenant's settings, then re-evaluate every deal of the tenant."""
        async with self._db.session() as session:
            await DealRepository(session).save_settings(
                tenant_id, settings.document(), self.clock()
            )
        return await self.reevaluate_tenant(tenant_id)

    # -- recomputation ------------------------------------------------------------------

    async def on_page(self, session: AsyncSession, page: PageContext) -> None:
        """The sync page hook: the deals of the page's new, changed and deleted meetings
        are recomputed in the page's transaction (events on rises)."""
        if page.changed or page.deleted_ids:
            await self.on_meetings_stored(
                session,
                tenant_id=page.tenant_id,
                account_id=page.account_id,
                meetings=[changed.record.meeting for changed in page.changed],
                deleted_ids=page.deleted_ids,
            )

    async def on_meetings_stored(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        account_id: str,
        meetings: Sequence[MeetingRef],
        deleted_ids: Sequence[str],
    ) -> int:
        """Recompute, in `session`, the deals of new or changed meetings and of deleted ones;
        how many deals were recomputed."""
        deals = DealRepository(session)
        opportunities = {m.id: (m.crm.opportunity_id if m.crm else None) or None for m in meetings}
        touched = await deals.map_meetings(account_id, opportunities)
        touched |= await deals.unmap_meetings(account_id, deleted_ids)
        if not touched:
            return 0
        rules = RiskRules.compile(await self._settings(session, tenant_id))
        now = self.clock()
        for opportunity_id in sorted(touched):
            await self._recompute(session, tenant_id, account_id, opportunity_id, rules, now)
        return len(touched)

    async def reevaluate_tenant(self, tenant_id: str) -> Reevaluation:
        """Recompute every deal of the tenant (events on rises); stored meetings synced
        before deal risk existed are mapped to their deals first."""
        async with self._db.session() as session:
            accounts = await IntegratedAccountRepository(session).list_for_tenant(tenant_id)
            deals = DealRepository(session)
            if accounts:
                await deals.map_stored([account.id for account in accounts])
            keys = await deals.keys_of_tenant(tenant_id)
        return await self._reevaluate([(tenant_id, a, o) for a, o in keys])

    async def reevaluate_stalled(self) -> Reevaluation:
        """Recompute the deals of every tenant that stalled since they were computed (the
        hourly job): their rise is sent as an event."""
        total = Reevaluation()
        while True:
            async with self._db.session() as session:
                keys = await DealRepository(session).newly_stalled(self.clock(), REEVALUATE_BATCH)
            if not keys:
                return total
            done = await self._reevaluate(keys)
            total = Reevaluation(total.deals + done.deals, total.raised + done.raised)

    async def _reevaluate(self, keys: Sequence[tuple[str, str, str]]) -> Reevaluation:
        by_tenant: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for tenant_id, account_id, opportunity_id in keys:
            by_tenant[tenant_id].append((account_id, opportunity_id))
        deals = raised = 0
        for tenant_id, pairs in by_tenant.items():
            for start in range(0, len(pairs), REEVALUATE_BATCH):
                async with self._db.session() as session:
                    rules = RiskRules.compile(await self._settings(session, tenant_id))
                    now = self.clock()
                    for account_id, opportunity_id in pairs[start : start + REEVALUATE_BATCH]:
                        rose = await self._recompute(
                            session, tenant_id, account_id, opportunity_id, rules, now
                        )
                        deals += 1
                        raised += int(rose)
        return Reevaluation(deals, raised)

    async def _recompute(
        self,
        session: AsyncSession,
        tenant_id: str,
        account_id: str,
        opportunity_id: str,
        rules: RiskRules,
        now: datetime,
    ) -> bool:
        """Recompute one deal from the store; True when its level rose (event recorded)."""
        repository = DealRepository(session)
        rows = await repository.meetings_of(account_id, opportunity_id)
        if not rows:
            await repository.delete(account_id, opportunity_id)
            return False
        meetings = await with_recent_transcripts(
            session, account_id, rows, rules.settings.recent_meetings
        )
        assessment = assess(meetings, rules, playback_of(self._playback, account_id))
        risk = assessment.risk(now)
        previous = await repository.levels(account_id, opportunity_id)
        rose = level_rank(risk.level) > level_rank(previous[0] if previous else None)
        last_raised = previous[1] if previous else None
        values: dict[str, Any] = {
            "account_id": account_id,
            "opportunity_id": opportunity_id,
            **deal_facts(meetings),
            "risk": assessment.document(),
            "base_score": assessment.base_score,
            "stall_at": assessment.stall_at,
            "score": risk.score,
            "level": risk.level,
            "last_raised_level": risk.level if rose else last_raised,
            "computed_at": now,
        }
        await repository.put(values)
        if rose:
            view = deal_view(Deal(**values), rules.settings, now)
            await EventRepository(session).record(
                tenant_id, RAISED, view.model_dump(mode="json"), account_id=account_id, at=now
            )
        return rose

    # -- reads --------------------------------------------------------------------------

    async def list_deals(
        self, tenant_id: str, query: DealQuery, *, visible: MeetingVisibility | None = None
    ) -> tuple[list[DealView], str | None]:
        """One page of the tenant's deals (one account's with `account_id`), highest score or
        latest meeting first, and the cursor of the next page (None at the end).

        Every page of one listing judges `stalled` at the time of its first page (the cursor
        carries it), so the order pages walk does not shift under them.
        """
        bound = [tenant_id, query.account_id, query.level, query.min_score, query.sort]
        if query.app_user_id is not None:
            bound.append(query.app_user_id)
        position = self._position(query.cursor, bound)
        now = self.clock() if position is None else position[0]
        async with self._db.session() as session:
            if query.account_id is not None:
                await _own_account(session, tenant_id, query.account_id)
                accounts: tuple[str, ...] = (query.account_id,)
            else:
                rows = await IntegratedAccountRepository(session).list_for_tenant(tenant_id)
                accounts = tuple(row.id for row in rows)
            settings = await self._settings(session, tenant_id)
            rule = ScoreRule(
                now=now,
                stalled_weight=settings.weights.stalled,
                high=settings.levels.high,
                medium=settings.levels.medium,
            )
            listing = DealListQuery(
                account_ids=accounts,
                rule=rule,
                level=query.level,
                min_score=query.min_score,
                sort=query.sort,
                after=None if position is None else position[1],
                limit=query.limit + 1,
            )
            repository = DealRepository(session)
            found = await repository.list(listing, visible)
            page = found[: query.limit]
            shown = [await visible_view(repository, row, settings, now, visible) for row, _ in page]
            views = [view for view in shown if view is not None]
        if len(found) <= query.limit or not page:
            return views, None
        last, score = page[-1]
        value: int | str = score
        if query.sort == "last_meeting":
            value = (last.last_meeting_at or _EPOCH).isoformat()
        cursor = {"t": now.isoformat(), "v": value, "a": last.account_id, "o": last.opportunity_id}
        return views, self._cursors.sign({**cursor, "f": bound})

    def _position(self, cursor: str | None, bound: list[Any]) -> tuple[datetime, DealKey] | None:
        if not cursor:
            return None
        data = self._cursors.verify(cursor, error=InvalidCursorError, param="next_cursor")
        if data.get("f") != bound:
            raise InvalidCursorError(
                "This cursor was issued for other filters; repeat the original query "
                "parameters with next_cursor.",
                param="next_cursor",
            )
        try:
            now = datetime.fromisoformat(data["t"])
            raw = data["v"]
            value: int | datetime = raw if isinstance(raw, int) else datetime.fromisoformat(raw)
            key = DealKey(value, str(data["a"]), str(data["o"]))
        except (KeyError, TypeError, ValueError):
            raise InvalidCursorError("Malformed cursor.", param="next_cursor") from None
        return now, key

    async def get(
        self,
        tenant_id: str,
        account_id: str,
        opportunity_id: str,
        *,
        visible: MeetingVisibility | None = None,
    ) -> DealView:
        """One deal of one of the tenant's accounts, its risk at the time of the read."""
        async with self._db.session() as session:
            await _own_account(session, tenant_id, account_id)
            repository = DealRepository(session)
            row = await repository.get(account_id, opportunity_id)
            settings = await self._settings(session, tenant_id)
            view = None
            if row is not None:
                view = await visible_view(repository, row, settings, self.clock(), visible)
        if view is None:
            raise NotFoundError(
                f"No deal {opportunity_id!r} in the synced copy of this account.",
                code="deal_not_found",
            )
        return view


async def _own_account(session: AsyncSession, tenant_id: str, account_id: str) -> None:
    if await IntegratedAccountRepository(session).get(account_id, tenant_id=tenant_id) is None:
        raise NotFoundError(
            f"No integrated account {account_id} for this key.",
            code="integrated_account_not_found",
        )
