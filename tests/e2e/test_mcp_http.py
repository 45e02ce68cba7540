"""The MCP tools over Streamable HTTP at `/mcp`, with the SDK's own client, after a real sync.

The API app serves `/mcp` beside its routes; each request is authenticated by its bearer
credential before any tool runs. What a caller may see comes from the HTTP API itself.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest
from e2e_stack import call, synced_stack
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp_support import (
    MAX_ITEMS,
    MEETINGS,
    Scoped,
    check_caps,
    check_deals,
    check_meeting,
    check_scoped,
    check_search,
    check_tools_listed,
    http_pages,
    http_session,
    read_all,
    scoped,
)
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from test_scoping_insights_api import _wait_backfill

from parley.sandbox.config import SandboxConfig

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


# SQLite only: the tools call the same services as the HTTP routes, whose PostgreSQL cases
# (tests/e2e/test_*_api.py) run the same queries; the suite's time budget is 2 cores.
@pytest.fixture(scope="module", params=["sqlite"])
def synced(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[Scoped]:
    """A stack synced from a 90-meeting sandbox, with a member's scoped token."""
    tmp = tmp_path_factory.mktemp("mcp-http")
    sandbox = SandboxConfig(seed=5, meetings=90)
    with synced_stack(request.param, tmp, postgres_server, sandbox) as (stack, account):
        yield scoped(stack, account)


async def test_the_tools_are_listed_each_with_a_description_and_a_schema(synced: Scoped) -> None:
    async with http_session(synced.stack.url, synced.stack.api_key) as session:
        await check_tools_listed(session)


async def test_search_pages_every_hit_once_with_playback_links(synced: Scoped) -> None:
    async with http_session(synced.stack.url, synced.stack.api_key) as session:
        await check_search(session, synced.stack, synced.account)


async def test_get_meeting_shows_metadata_and_transcript_excerpts(synced: Scoped) -> None:
    async with http_session(synced.stack.url, synced.stack.api_key) as session:
        await check_meeting(session, synced.stack, synced.account)


async def test_list_deals_matches_the_api_and_get_deal_shows_the_risk(synced: Scoped) -> None:
    async with http_session(synced.stack.url, synced.stack.api_key) as session:
        await check_deals(session, synced.stack, synced.account)


async def test_a_scoped_token_reads_only_its_users_meetings(synced: Scoped) -> None:
    async with http_session(synced.stack.url, synced.token) as session:
        await check_scoped(session, synced, admin=False)
    async with http_session(synced.stack.url, synced.stack.api_key) as session:
        await check_scoped(session, synced, admin=True)


async def test_list_meetings_by_topic_is_the_topic_not_a_text_search(synced: Scoped) -> None:
    params = {"integrated_account_id": synced.account, "source": "store"}
    with synced.stack.client() as client:
        every = http_pages(client, MEETINGS, params)
    names = Counter(name for m in every for name in m["topics"])
    topic, _ = names.most_common(1)[0]
    having = [m["id"] for m in every if topic in m["topics"]]
    assert 0 < len(having) < len(every)
    title = next(m["title"] for m in every if m["title"] and m["title"] not in names)
    for key, allowed in ((synced.stack.api_key, synced.every), (synced.token, synced.visible)):
        async with http_session(synced.stack.url, key) as session:
            found, calls = await read_all(
                session, "list_meetings", {"topic": topic.upper(), "limit": 3}
            )
            # A title is text, not a topic: the old full-text reading would have found it.
            by_title, _ = await read_all(session, "list_meetings", {"topic": title})
        assert [m["id"] for m in found] == [i for i in having if i in allowed]
        assert all(topic in m["topics"] for m in found)
        assert by_title == []
        if key == synced.stack.api_key:
            assert calls > 1, "a small limit pages"


async def test_answers_stop_at_the_character_cap_and_continue_by_cursor(synced: Scoped) -> None:
    async with http_session(synced.stack.url, synced.stack.api_key) as session:
        await check_caps(session, synced)


async def test_a_scoped_token_is_honoured_on_the_stateless_protocol_too(synced: Scoped) -> None:
    # `Client` negotiates the 2026 protocol (`server/discover`, one exchange per request).
    client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {synced.token}"}, timeout=60)
    transport = streamable_http_client(f"{synced.stack.url}/mcp", http_client=client)
    async with client, Client(transport) as agent:
        assert agent.session.protocol_version not in HANDSHAKE_PROTOCOL_VERSIONS
        result = await agent.call_tool("list_meetings", {"limit": 100})
        assert not result.is_error
        body = json.loads(result.content[0].text)  # type: ignore[union-attr]
        seen = {m["id"] for m in body["result"]}
        cursor = body["next_cursor"]
        while cursor is not None:
            result = await agent.call_tool("list_meetings", {"cursor": cursor})
            body = json.loads(result.content[0].text)  # type: ignore[union-attr]
            seen |= {m["id"] for m in body["result"]}
            cursor = body["next_cursor"]
    assert seen == synced.visible


async def test_snippets_and_a_contacts_call_log_match_the_api(synced: Scoped) -> None:
    stack, account = synced.stack, synced.account
    params = {"integrated_account_id": account}
    with stack.client() as client:
        guests = [
            a["email"]
            for m in http_pages(client, MEETINGS, {**params, "source": "store"})
            for a in m["attendees"]
            if a["type"] == "guest" and a["email"]
        ]
        email = max(set(guests), key=guests.count)
        put = client.put("/crm/contacts/mcp-contact", params=params, json={"emails": [email]})
        assert put.status_code in (200, 201), put.text
        rule = client.post(
            "/insights/keyword-rules",
            json={"name": "MCP", "phrases": ["price"], "integrated_account_id": account},
        )
        assert rule.status_code == 201, rule.text
        rule_id = rule.json()["id"]
        _wait_backfill(client, rule_id)
        log = http_pages(client, "/crm/contacts/mcp-contact/activities", params)
        snippets = http_pages(client, "/insights/snippets", {"rule_id": rule_id})
    assert len(log) > 1
    assert len(snippets) > MAX_ITEMS
    for key, allowed in ((synced.stack.api_key, None), (synced.token, synced.visible)):
        async with http_session(stack.url, key) as session:
            found, _ = await read_all(session, "find_contact_activity", {"email": email.upper()})
            feed, _ = await read_all(session, "list_snippets", {"rule_id": rule_id})
        if allowed is None:
            assert [a["meeting_id"] for a in found] == [a["meeting_id"] for a in log]
            assert [s["id"] for s in feed] == [s["id"] for s in snippets]
        else:
            assert {a["meeting_id"] for a in found} <= allowed
            assert {s["meeting_id"] for s in feed} <= allowed
            assert len(feed) < len(snippets)
        assert all(a["record"] == "mcp-contact" for a in found)
        assert all("/app/meetings/" in s["playback_url"] for s in feed)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer pk_not_a_key", "Bearer pst_forged.token", "Basic abc"],
    ids=["missing", "bad-key", "forged-token", "not-bearer"],
)
def test_a_request_without_a_valid_credential_is_refused_before_any_tool(
    synced: Scoped, authorization: str | None
) -> None:
    headers = {**ACCEPT, **({"Authorization": authorization} if authorization else {})}
    response = call("POST", f"{synced.stack.url}/mcp", json=INITIALIZE, headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["status"] == 401
    assert error["request_id"] == response.headers["x-request-id"]
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_the_sdk_client_is_refused_with_a_bad_token(synced: Scoped) -> None:
    with pytest.raises(ExceptionGroup) as raised:
        async with http_session(synced.stack.url, "pst_forged.token"):
            pass
    # The SDK raises its MCPError (inside its task groups) for the 401.
    assert raised.value.subgroup(lambda e: isinstance(e, MCPError)) is not None


def test_the_mcp_endpoint_is_not_in_the_openapi_document(synced: Scoped) -> None:
    document = httpx.get(f"{synced.stack.url}/openapi.json", timeout=60).json()
    assert "/mcp" not in document["paths"]
