"""The tools' cursors: signed, bound to the tool and caller, carrying the call's arguments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.accounts.views import TenantView
from parley.errors import InvalidCursorError
from parley.insights.callers import Caller
from parley.insights.scoped_tokens import ScopedGrant
from parley.mcp.cursors import Slice, ToolCursors
from parley.security import generate_secret_key
from parley.security.keyring import Keyring
from parley.security.signing import Signer

TENANT = TenantView(id="t1", name="acme", created_at=datetime(2026, 1, 1, tzinfo=UTC))
ADMIN = Caller(TENANT)
MEMBER = Caller(TENANT, grant=ScopedGrant("t1", "a1", "ann", "m1"))


@pytest.fixture
def cursors() -> ToolCursors:
    return ToolCursors(Signer(Keyring.parse(generate_secret_key()), b"mcp-cursor"))


def test_without_a_cursor_the_call_starts_at_the_top(cursors: ToolCursors) -> None:
    assert cursors.open("list_meetings", ADMIN, {"topic": "x"}, None) == (
        {"topic": "x"},
        Slice(),
    )


def test_a_cursor_alone_continues_with_its_own_arguments(cursors: ToolCursors) -> None:
    args = {"topic": "pricing", "limit": 5}
    token = cursors.seal("list_meetings", ADMIN, args, Slice(["2026-01-01", "m9"], 3))
    given = {"topic": None, "limit": None}
    assert cursors.open("list_meetings", ADMIN, given, token) == (
        args,
        Slice(["2026-01-01", "m9"], 3),
    )
    # Repeating an argument with the same value is fine too.
    assert cursors.open("list_meetings", ADMIN, {"topic": "pricing"}, token)[0] == args


def test_a_cursor_with_other_arguments_is_refused(cursors: ToolCursors) -> None:
    token = cursors.seal("list_meetings", ADMIN, {"topic": "pricing"}, Slice(None, 1))
    with pytest.raises(InvalidCursorError, match="another topic"):
        cursors.open("list_meetings", ADMIN, {"topic": "budget"}, token)


def test_a_cursor_works_for_its_tool_and_caller_only(cursors: ToolCursors) -> None:
    token = cursors.seal("list_meetings", ADMIN, {}, Slice("p"))
    with pytest.raises(InvalidCursorError, match="not issued"):
        cursors.open("list_deals", ADMIN, {}, token)
    with pytest.raises(InvalidCursorError, match="not issued"):
        cursors.open("list_meetings", MEMBER, {}, token)


def test_an_altered_cursor_is_refused(cursors: ToolCursors) -> None:
    token = cursors.seal("list_meetings", MEMBER, {}, Slice("p"))
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(InvalidCursorError) as raised:
        cursors.open("list_meetings", MEMBER, {}, forged)
    assert raised.value.param == "cursor"
