"""The MCP server: Parley's read tools on the official SDK's `MCPServer`.

`build_server` registers every tool over the runtime's services for the callers a
`CallerSource` names: `parley mcp` serves it over stdio (`parley.mcp.stdio`), the API app
over Streamable HTTP at `/mcp` (`parley.mcp.http`). Every tool is read-only, declares its
arguments as a JSON schema, and answers at most `caps.MAX_ITEMS` items or `caps.MAX_CHARS`
characters with a `next_cursor` for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, cast

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

from parley import __version__
from parley.mcp.answers import Listing
from parley.mcp.auth import CallerSource
from parley.mcp.cursors import ToolCursors
from parley.mcp.tools_insights import InsightTools
from parley.mcp.tools_meetings import MeetingTools
from parley.runtime import Runtime

__all__ = ["TOOL_NAMES", "build_server"]

TOOL_NAMES = (
    "list_accounts",
    "list_meetings",
    "get_meeting",
    "get_transcript",
    "search_transcripts",
    "list_snippets",
    "list_deals",
    "get_deal",
    "team_analytics",
    "find_contact_activity",
)
INSTRUCTIONS = (
    "Parley's synced conversational intelligence (Chorus meetings, transcripts, deals, "
    "analytics), read-only and scoped to the caller. Every listing answers at most 20 items "
    "(or `limit`) and 30,000 characters: call again with `cursor` set to `next_cursor` until "
    "it is null. Playback links open Parley's player at the moment."
)
_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def build_server(runtime: Runtime, callers: CallerSource) -> MCPServer[Any]:
    """The MCP server with every Parley tool, for the callers `callers` names."""
    level = runtime.settings.log_level.upper()
    server: MCPServer[Any] = MCPServer(
        "parley",
        title="Parley",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level=cast(LogLevel, level if level in _LEVELS else "INFO"),
    )
    listing = Listing(ToolCursors(runtime.vault.signer(b"mcp-cursor")))
    meetings = MeetingTools(runtime, callers, listing)
    insights = InsightTools(runtime, callers, listing)
    for name in TOOL_NAMES:
        tool: Callable[..., Any] = getattr(meetings, name, None) or getattr(insights, name)
        server.add_tool(tool, name=name, annotations=_READ_ONLY, structured_output=False)
    return server
