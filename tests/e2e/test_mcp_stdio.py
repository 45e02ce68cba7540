"""`parley mcp` over stdio, as an agent starts it, with the SDK's own client, after a real sync.

The server is a subprocess (`python -m parley.cli mcp`) on the stack's database and secret,
authenticated by `PARLEY_API_KEY` (an API key or a scoped token), checked at start.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_stack import synced_stack
from mcp_support import (
    Scoped,
    check_caps,
    check_deals,
    check_meeting,
    check_scoped,
    check_search,
    check_tools_listed,
    scoped,
    stdio_command,
    stdio_env,
    stdio_session,
)

from parley.sandbox.config import SandboxConfig


# SQLite only: the stdio transport is the subject here; the tools' reads on PostgreSQL are
# the same service calls the HTTP API's PostgreSQL cases run (and the suite's time is 2 cores).
@pytest.fixture(scope="module", params=["sqlite"])
def synced(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[Scoped]:
    """A stack synced from a 90-meeting sandbox, with a member's scoped token."""
    tmp = tmp_path_factory.mktemp("mcp-stdio")
    sandbox = SandboxConfig(seed=5, meetings=90)
    with synced_stack(request.param, tmp, postgres_server, sandbox) as (stack, account):
        yield scoped(stack, account)


async def test_the_tools_search_meetings_and_deals_over_stdio(synced: Scoped) -> None:
    stack, account = synced.stack, synced.account
    async with stdio_session(stack, stack.api_key) as session:
        await check_tools_listed(session)
        await check_search(session, stack, account)
        await check_meeting(session, stack, account)
        await check_deals(session, stack, account)
        await check_caps(session, synced)


async def test_a_scoped_token_in_the_environment_reads_only_its_users_meetings(
    synced: Scoped,
) -> None:
    async with stdio_session(synced.stack, synced.token) as session:
        await check_scoped(session, synced, admin=False)
    async with stdio_session(synced.stack, synced.stack.api_key) as session:
        await check_scoped(session, synced, admin=True)


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("pk_not_a_key", "invalid_api_key"),
        ("pst_forged.token", "invalid_scoped_token"),
        ("", None),
    ],
    ids=["bad-key", "forged-token", "none"],
)
def test_a_bad_key_stops_the_server_before_it_serves(
    synced: Scoped, key: str, code: str | None
) -> None:
    env = stdio_env(synced.stack, key)
    done = subprocess.run(
        stdio_command(), env=env, input="", capture_output=True, text=True, timeout=120
    )
    assert done.returncode == (1 if code else 2)
    assert done.stdout == ""  # nothing on the protocol channel
    if code:
        assert code in done.stderr
        assert key not in done.stderr
    else:
        assert "PARLEY_API_KEY" in done.stderr
