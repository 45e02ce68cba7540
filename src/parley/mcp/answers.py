"""A tool's answer: one capped slice of a service's page, or one object, as JSON text.

Every listing tool reads one page of `limit` items from its service (the same service and
call the HTTP route makes), drops what an earlier slice of that page returned, keeps as many
items as fit the character cap (`caps`), and seals a cursor for the rest. Each item of a
listing is therefore returned once, in the service's order, across the calls that follow
the cursors until `next_cursor` is null.

Errors leave a tool as an error result holding the API's error body
(`{"error": {status, code, message, …}}`); an unexpected one is logged by type only.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec

from mcp.types import CallToolResult, TextContent

from parley.errors import ParleyError
from parley.insights.callers import Caller
from parley.mcp.caps import DEFAULT_LIMIT, MAX_CHARS, compact, fit, shrink, size
from parley.mcp.cursors import Args, Slice, ToolCursors

__all__ = ["Fetched", "Listing", "answer", "limit_arg", "single", "tool_errors"]

log = logging.getLogger("parley.mcp")
P = ParamSpec("P")
#: Room kept beside one oversized item for the answer's other fields and its cursor.
_CURSOR_ROOM = 2_500


@dataclass(frozen=True)
class Fetched:
    """One page as a service answered it: its items, the next page's position (None: the
    last page) and the answer's other fields (totals, the meeting an excerpt is of)."""

    items: list[dict[str, Any]]
    next_position: Any = None
    fields: dict[str, Any] = field(default_factory=dict)


#: (args, the page's position, limit) -> that page.
PageFetch = Callable[[Args, Any, int], Awaitable[Fetched]]


def answer(output: dict[str, Any]) -> CallToolResult:
    """The tool result: compact JSON text, and the same object as structured content."""
    return CallToolResult(
        content=[TextContent(type="text", text=compact(output))], structured_content=output
    )


def _error(body: dict[str, Any]) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=compact({"error": body}))], is_error=True
    )


def tool_errors(
    fn: Callable[P, Awaitable[CallToolResult]],
) -> Callable[P, Awaitable[CallToolResult]]:
    """Parley errors as error results in the API's error body; anything else as an
    internal error whose message (which may carry data) is never shown or logged."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> CallToolResult:
        try:
            return await fn(*args, **kwargs)
        except ParleyError as exc:
            return _error(exc.to_dict())
        except Exception as exc:
            log.error("tool %s failed: unhandled %s", fn.__name__, type(exc).__name__)
            return _error(
                {
                    "status": 500,
                    "code": "internal_error",
                    "message": "Internal error; the server's log names its type.",
                    "remote": False,
                }
            )

    return wrapper


def limit_arg(limit: int) -> int | None:
    """`limit` as a cursor carries it: the default as None (a call that omits it continues)."""
    return None if limit == DEFAULT_LIMIT else limit


class Listing:
    """Turns a service page into the capped answer of one listing tool."""

    def __init__(self, cursors: ToolCursors) -> None:
        self._cursors = cursors

    async def slice(
        self,
        tool: str,
        caller: Caller,
        given: Args,
        cursor: str | None,
        fetch: PageFetch,
        *,
        items_key: str = "result",
    ) -> CallToolResult:
        """The next slice of `tool`'s listing for `given` (or the cursor's) arguments."""
        args, start = self._cursors.open(tool, caller, given, cursor)
        page = await fetch(args, start.position, int(args.get("limit") or DEFAULT_LIMIT))
        rest = page.items[start.skip :]
        budget = MAX_CHARS - size(page.fields) - _CURSOR_ROOM
        cut = False
        for index, item in enumerate(rest):
            rest[index], was_cut = shrink(item, budget)
            cut = cut or was_cut

        def render(count: int) -> dict[str, Any]:
            following: Slice | None = None
            if count < len(rest):
                following = Slice(start.position, start.skip + count)
            elif page.next_position is not None:
                following = Slice(page.next_position)
            next_cursor = (
                None if following is None else self._cursors.seal(tool, caller, args, following)
            )
            output = {**page.fields, items_key: rest[:count], "returned": count}
            if cut:
                output["truncated"] = True
            return {**output, "next_cursor": next_cursor}

        count = fit(rest, lambda part: render(len(part)))
        output = render(count)
        if size(output) > MAX_CHARS and count:
            # One item and its cursor over the cap: that item gives up the excess.
            rest[0], _ = shrink(rest[0], size(rest[0]) - (size(output) - MAX_CHARS))
            output = render(count) | {"truncated": True}
        return answer(output)


def single(output: dict[str, Any]) -> CallToolResult:
    """One object's answer, cut to the character cap when it is over (`truncated`)."""
    value, cut = shrink(output, MAX_CHARS - 32)
    return answer({**value, "truncated": True} if cut else value)
