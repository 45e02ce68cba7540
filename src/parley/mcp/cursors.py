"""The tools' `cursor`: an opaque, signed string that continues a listing where it stopped.

A cursor carries the tool, who it was issued to, the call's arguments and where the next
slice starts: the service's own position for the page being read (its cursor, an offset,
an entry index) and how many items of that page were already returned (a page cut short by
the character cap goes on from the middle). Sealed by the `b"mcp-cursor"` signer, it cannot
be altered, and it only works for the same tool and caller.

A call with a cursor takes its arguments from the cursor: an argument it also passes must
be the same (another value is a 400 `invalid_cursor`), so "the next call with the cursor"
is all an agent needs to send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parley.errors import InvalidCursorError
from parley.insights.callers import Caller
from parley.security.signing import Signer

__all__ = ["Args", "Slice", "ToolCursors", "caller_key"]

#: A tool call's arguments as JSON values (the cursor carries them).
Args = dict[str, Any]


@dataclass(frozen=True)
class Slice:
    """Where a slice starts: the service's position of its page, and items already seen."""

    position: Any = None
    skip: int = 0


def caller_key(caller: Caller) -> str:
    """Who a cursor is bound to: the tenant, and the app user (and token's account) acted as."""
    grant = caller.grant
    if grant is not None:
        return f"{caller.tenant.id}|token|{grant.account_id}|{grant.app_user_id}"
    return f"{caller.tenant.id}|key|{caller.as_user or ''}"


class ToolCursors:
    """Seals and opens the tools' cursors."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def seal(self, tool: str, caller: Caller, args: Args, start: Slice) -> str:
        """The cursor of the slice at `start` of this tool's listing for `args`."""
        payload = {"t": tool, "u": caller_key(caller), "a": args, "p": start.position}
        if start.skip:
            payload["s"] = start.skip
        return self._signer.sign(payload)

    def open(
        self, tool: str, caller: Caller, given: Args, cursor: str | None
    ) -> tuple[Args, Slice]:
        """The call's arguments and where its slice starts (the first, without a cursor)."""
        if not cursor:
            return given, Slice()
        data = self._signer.verify(cursor, error=InvalidCursorError, param="cursor")
        if data.get("t") != tool or data.get("u") != caller_key(caller):
            raise InvalidCursorError(
                f"This cursor was not issued by {tool} to this caller: drop it to start over.",
                param="cursor",
            )
        args, skip = data.get("a"), data.get("s", 0)
        if not isinstance(args, dict) or not isinstance(skip, int) or skip < 0:
            raise InvalidCursorError("Malformed cursor.", param="cursor")
        for name, value in given.items():
            if value is not None and args.get(name) != value:
                raise InvalidCursorError(
                    f"This cursor continues a listing with another {name}: call again with "
                    f"the cursor alone, or without it to start a new listing.",
                    param="cursor",
                )
        return args, Slice(data.get("p"), skip)
