"""The MCP tools as an agent meets them: the SDK's own client, over stdio or Streamable HTTP.

`http_session` and `stdio_session` open an initialised `ClientSession`; `call` runs one tool
and checks its answer holds to the caps; `read_all` follows `next_cursor` to the end. The
`check_*` scenarios run the same way over both transports, each against the HTTP API as
the oracle of what the caller may see (its own tests check it against the sandbox's truth).
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
from e2e_stack import Stack
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from test_scoping_api import _map, _people, _token, _truth

TOOLS = {
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
}
MAX_ITEMS, MAX_CHARS = 20, 30_000
MEETINGS = "/unified/conversational-intelligence/meetings"


@dataclass
class Scoped:
    """A synced stack, its account, and a member's scoped token with what it may see."""

    stack: Stack
    account: str
    token: str
    visible: set[str]  # meeting ids, as the HTTP API pages them for the token
    every: set[str]  # meeting ids, as the HTTP API pages them for the developer's key


def http_pages(
    client: httpx.Client, path: str, params: dict[str, Any], key: str | None = None
) -> list[dict[str, Any]]:
    """Every item of an HTTP API listing (optionally as another bearer)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 100, **({"next_cursor": cursor} if cursor else {})}
        response = client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += body["result"]
        if (cursor := body["next_cursor"]) is None:
            return seen


def scoped(stack: Stack, account: str) -> Scoped:
    """A member (the sandbox's busiest rep) with a scoped token, and both views of meetings."""
    rep, _, _ = _people(_truth(stack))
    with stack.client() as client:
        _map(client, account, "mcp-member", {"provider_user_id": rep, "role": "member"})
        token = _token(client, account, "mcp-member", ttl_seconds=3600)
        params = {"integrated_account_id": account, "source": "store"}
        visible = {m["id"] for m in http_pages(client, MEETINGS, params, key=token)}
        every = {m["id"] for m in http_pages(client, MEETINGS, params)}
    assert visible, "the member must see some meetings"
    assert visible < every, "and not all of them"
    return Scoped(stack, account, token, visible, every)


@asynccontextmanager
async def http_session(url: str, key: str) -> AsyncIterator[ClientSession]:
    """An initialised session with `url`/mcp, authenticated by `key`."""
    client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60)
    async with (
        client,
        streamable_http_client(f"{url}/mcp", http_client=client) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def stdio_env(stack: Stack, key: str) -> dict[str, str]:
    """`parley mcp`'s environment: the stack's database and secret, and the key."""
    settings = stack.api.settings
    assert settings.secret_key is not None
    return {
        "PARLEY_DATABASE_URL": settings.database_url,
        "PARLEY_SECRET_KEY": settings.secret_key.get_secret_value(),
        "PARLEY_PUBLIC_URL": stack.url,
        "PARLEY_API_KEY": key,
    }


def stdio_command() -> list[str]:
    """`parley mcp`, as an agent's config starts it."""
    return [sys.executable, "-m", "parley.cli", "mcp"]


@asynccontextmanager
async def stdio_session(stack: Stack, key: str) -> AsyncIterator[ClientSession]:
    """An initialised session with a `parley mcp` subprocess on the stack's database."""
    command, *args = stdio_command()
    params = StdioServerParameters(command=command, args=args, env=stdio_env(stack, key))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


async def call(session: ClientSession, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """One tool call that succeeds, its answer within 30,000 characters (and 20 items)."""
    result = await session.call_tool(tool, args)
    text = result.content[0].text  # type: ignore[union-attr]
    assert not result.is_error, text
    assert len(text) <= MAX_CHARS, (tool, len(text))
    body: dict[str, Any] = json.loads(text)
    assert body == result.structured_content
    return body


async def call_error(session: ClientSession, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """One tool call that fails: the API's error body."""
    result = await session.call_tool(tool, args)
    assert result.is_error
    error: dict[str, Any] = json.loads(result.content[0].text)["error"]  # type: ignore[union-attr]
    return error


async def read_all(
    session: ClientSession, tool: str, args: dict[str, Any], *, key: str = "result"
) -> tuple[list[dict[str, Any]], int]:
    """Every item of a listing, following `next_cursor` with the cursor alone; the calls."""
    items: list[dict[str, Any]] = []
    body = await call(session, tool, args)
    calls = 1
    limit = args.get("limit", MAX_ITEMS)
    while True:
        assert len(body[key]) <= limit
        assert body["returned"] == len(body[key])
        items += body[key]
        if body["next_cursor"] is None:
            return items, calls
        body = await call(session, tool, {"cursor": body["next_cursor"]})
        calls += 1


# -- scenarios, the same over both transports ------------------------------------------------


async def check_tools_listed(session: ClientSession) -> None:
    listed = (await session.list_tools()).tools
    assert {tool.name for tool in listed} == TOOLS
    for tool in listed:
        assert tool.description, tool.name
        assert "\n" not in tool.description.strip(), tool.name
        assert tool.input_schema["type"] == "object", tool.name
        assert tool.annotations is not None, tool.name
        assert tool.annotations.read_only_hint, tool.name
        properties = tool.input_schema["properties"]
        assert all(p.get("description") for p in properties.values()), tool.name
        if tool.name != "get_deal":
            assert "cursor" in properties, tool.name


async def check_search(session: ClientSession, stack: Stack, account: str) -> None:
    """Every hit of the HTTP API's /search, once each, with a playback link at its second."""
    with stack.client() as client:
        expected = http_pages(client, "/search", {"q": "pricing"})
    assert len(expected) > MAX_ITEMS, "the sandbox must say it more than one page's worth"
    hits, calls = await read_all(session, "search_transcripts", {"q": "pricing"})
    assert calls > 1
    assert [(h["meeting_id"], h["index"]) for h in hits] == [
        (h["meeting_id"], h["index"]) for h in expected
    ]
    for hit in hits:
        link = urlsplit(hit["playback_url"])
        assert link.path == f"/app/meetings/{hit['meeting_id']}"
        query = parse_qs(link.query)
        assert query["integrated_account_id"] == [account]
        assert query["t"] == [f"{hit['start_time']:.1f}".removesuffix(".0")]


async def check_meeting(session: ClientSession, stack: Stack, account: str) -> None:
    """The meeting as the HTTP API stores it, with the excerpt around a second."""
    with stack.client() as client:
        listed = http_pages(client, MEETINGS, {"integrated_account_id": account, "source": "store"})
        meeting_id = next(m["id"] for m in listed if m["status"] == "completed")
        stored = client.get(
            f"{MEETINGS}/{meeting_id}", params={"integrated_account_id": account, "source": "store"}
        ).json()
    entries = stored["transcript"]
    assert len(entries) > MAX_ITEMS + 10
    body = await call(session, "get_meeting", {"meeting_id": meeting_id})
    meta = body["meeting"]
    assert meta["id"] == meeting_id
    for field in ("title", "summary", "action_items", "topics", "start_time", "duration"):
        assert meta[field] == stored[field], field
    assert [a["email"] for a in meta["attendees"]] == [a["email"] for a in stored["attendees"]]
    assert body["excerpt"]["total_entries"] == len(entries)
    assert [e["text"] for e in body["transcript"]] == [e["text"] for e in entries[:MAX_ITEMS]]
    assert body["next_cursor"] is not None
    # Around a second: the entry playing then is in the excerpt, just after its lead-in.
    target = entries[25]
    around = await call(
        session, "get_meeting", {"meeting_id": meeting_id, "around_second": target["start_time"]}
    )
    assert around["transcript"][2]["index"] == target["index"]
    # A range: exactly those entries.
    ranged = await call(
        session, "get_meeting", {"meeting_id": meeting_id, "entry_start": 3, "entry_end": 7}
    )
    assert [e["index"] for e in ranged["transcript"]] == [e["index"] for e in entries[3:8]]
    assert ranged["next_cursor"] is None
    # The whole transcript, paged by entries, each once.
    paged, _ = await read_all(session, "get_transcript", {"meeting_id": meeting_id}, key="entries")
    assert [e["text"] for e in paged] == [e["text"] for e in entries]


async def check_deals(session: ClientSession, stack: Stack, account: str) -> None:
    """The deals of the HTTP API, in its order, and one deal's evidence."""
    with stack.client() as client:
        expected = http_pages(client, "/insights/deals", {})
    assert expected, "the sandbox must have deals"
    deals, _ = await read_all(session, "list_deals", {})
    assert [d["id"] for d in deals] == [d["id"] for d in expected]
    assert [d["risk"]["score"] for d in deals] == [d["risk"]["score"] for d in expected]
    one = await call(session, "get_deal", {"opportunity_id": expected[0]["id"]})
    assert one["id"] == expected[0]["id"]
    assert one["risk"] == deals[0]["risk"]


async def check_scoped(session: ClientSession, scope: Scoped, *, admin: bool) -> None:
    """Meetings and search hits: the token's own, or every one with the developer's key."""
    allowed = scope.every if admin else scope.visible
    meetings, _ = await read_all(session, "list_meetings", {})
    ids = [m["id"] for m in meetings]
    assert len(ids) == len(set(ids))
    assert set(ids) == allowed
    hits, _ = await read_all(session, "search_transcripts", {"q": "pricing", "limit": 50})
    seen = {h["meeting_id"] for h in hits}
    assert seen
    assert seen <= allowed
    # Deals and analytics: what the HTTP API shows the same credential.
    key = scope.stack.api_key if admin else scope.token
    with scope.stack.client(key) as client:
        deals = http_pages(client, "/insights/deals", {"integrated_account_id": scope.account})
        report = client.get("/insights/analytics", params={"integrated_account_id": scope.account})
    listed, _ = await read_all(session, "list_deals", {})
    assert [d["id"] for d in listed] == [d["id"] for d in deals]
    analytics = await call(session, "team_analytics", {})
    assert analytics["totals"] == report.json()["totals"]
    if admin:
        assert seen - scope.visible, "the developer's key finds what the member may not see"
    else:
        hidden = sorted(scope.every - scope.visible)[0]
        error = await call_error(session, "get_meeting", {"meeting_id": hidden})
        assert (error["status"], error["code"]) == (404, "meeting_not_found")


async def check_caps(session: ClientSession, scope: Scoped) -> None:
    """A listing over the character cap stops short of its limit and goes on by cursor."""
    first = await call(session, "list_meetings", {"limit": 100})
    # 100 meetings with their attendees are far more than 30,000 characters.
    assert first["returned"] < len(scope.every)
    assert first["next_cursor"] is not None
    meetings, calls = await read_all(session, "list_meetings", {"limit": 100})
    ids = [m["id"] for m in meetings]
    assert len(ids) == len(set(ids)) == len(scope.every)
    assert set(ids) == scope.every
    assert calls > 1
