"""What every tool stands on: the runtime's services, the caller, the account, the links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mcp.server.mcpserver import Context

from parley.errors import InvalidRequestError
from parley.insights.callers import Caller, ReadScope
from parley.insights.page_links import playback_page
from parley.mcp.answers import Listing
from parley.mcp.auth import CallerSource
from parley.runtime import Runtime
from parley.unified.base import to_utc

__all__ = ["ToolSet", "iso", "when"]


def iso(value: datetime | None) -> str | None:
    """A date argument as the cursor carries it (naive means UTC)."""
    return None if value is None else to_utc(value).isoformat()


def when(value: Any) -> datetime | None:
    """A date argument back from `iso`."""
    return None if value is None else datetime.fromisoformat(str(value))


class ToolSet:
    """A group of tools over the runtime, for the callers a `CallerSource` names."""

    def __init__(self, runtime: Runtime, callers: CallerSource, listing: Listing) -> None:
        self.runtime = runtime
        self.callers = callers
        self.listing = listing
        self._public_url = runtime.settings.public_url.rstrip("/")

    async def caller(self, ctx: Context[Any, Any]) -> Caller:
        """The caller of this call (authenticated now)."""
        return await self.callers(ctx)

    async def account_id(self, caller: Caller, given: str | None) -> str:
        """The one account a tool reads: the given one, a scoped token's own, or the
        tenant's only account (400 when there are several and none was named)."""
        if given:
            return given
        if caller.grant is not None:
            return caller.grant.account_id
        accounts = await self.runtime.callers.accounts_of(caller)
        if len(accounts) == 1:
            return str(accounts[0].id)
        if not accounts:
            raise InvalidRequestError(
                "This key reads no integrated account yet: link one first.",
                param="integrated_account_id",
            )
        raise InvalidRequestError(
            f"integrated_account_id is required: this key reads {len(accounts)} accounts "
            "(list_accounts names them).",
            param="integrated_account_id",
        )

    async def account_scope(self, caller: Caller, given: str | None) -> ReadScope:
        """The account read (the caller's tenant's, 404 otherwise) and the caller's scope."""
        account = await self.account_id(caller, given)
        return await self.runtime.callers.account_scope(caller, account)

    def playback_url(self, account_id: str, meeting_id: str, second: float | None = None) -> str:
        """The playback page of a meeting, at `second` when given."""
        return self._public_url + playback_page(account_id, meeting_id, second)
