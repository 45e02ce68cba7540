"""A listing tool's answers: capped slices of the service's pages, each item once, by cursor."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from mcp.types import TextContent

from parley.accounts.views import TenantView
from parley.insights.callers import Caller
from parley.mcp.answers import Fetched, Listing
from parley.mcp.caps import MAX_CHARS
from parley.mcp.cursors import Args, ToolCursors
from parley.security import generate_secret_key
from parley.security.keyring import Keyring
from parley.security.signing import Signer

CALLER = Caller(TenantView(id="t1", name="acme", created_at=datetime(2026, 1, 1, tzinfo=UTC)))


class PagedItems:
    """A service over `items`, paged by offset, that counts the pages it was asked for."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.pages = 0

    async def fetch(self, args: Args, position: Any, size: int) -> Fetched:
        self.pages += 1
        start = int(position or 0)
        more = start + size < len(self.items)
        page = [dict(item) for item in self.items[start : start + size]]
        return Fetched(page, start + size if more else None, {"total": len(self.items)})


def _listing() -> Listing:
    return Listing(ToolCursors(Signer(Keyring.parse(generate_secret_key()), b"mcp-cursor")))


async def _read_all(
    listing: Listing, service: PagedItems, limit: int | None = None
) -> list[dict[str, Any]]:
    answers = []
    cursor = None
    while True:
        given = {"limit": limit}
        result = await listing.slice("tool", CALLER, given, cursor, service.fetch)
        block = result.content[0]
        assert isinstance(block, TextContent)
        assert len(block.text) <= MAX_CHARS
        body = json.loads(block.text)
        assert body == result.structured_content
        answers.append(body)
        if (cursor := body["next_cursor"]) is None:
            return answers


async def test_small_items_come_twenty_at_a_time() -> None:
    service = PagedItems([{"id": i} for i in range(45)])
    answers = await _read_all(_listing(), service)
    assert [a["returned"] for a in answers] == [20, 20, 5]
    assert [item["id"] for a in answers for item in a["result"]] == list(range(45))
    assert all(a["total"] == 45 for a in answers)


async def test_large_items_stop_at_the_character_cap_and_go_on_mid_page() -> None:
    service = PagedItems([{"id": i, "text": "x" * 2_000} for i in range(45)])
    answers = await _read_all(_listing(), service)
    counts = [a["returned"] for a in answers]
    assert max(counts) < 20  # 20 items of 2,000 characters are over 30,000
    assert [item["id"] for a in answers for item in a["result"]] == list(range(45))


async def test_a_larger_limit_still_stops_at_the_character_cap() -> None:
    service = PagedItems([{"id": i, "text": "x" * 500} for i in range(150)])
    answers = await _read_all(_listing(), service, limit=100)
    assert [item["id"] for a in answers for item in a["result"]] == list(range(150))
    assert max(a["returned"] for a in answers) < 100


async def test_an_item_alone_over_the_cap_is_cut_and_marked() -> None:
    service = PagedItems([{"id": 0, "text": "x" * 80_000}, {"id": 1, "text": "y" * 5_000}])
    answers = await _read_all(_listing(), service)
    assert [a["returned"] for a in answers] == [1, 1]
    assert answers[0]["truncated"] is True
    assert answers[0]["result"][0]["text"].endswith("… [truncated]")
    assert "truncated" not in answers[1]


async def test_an_empty_listing_answers_no_items_and_no_cursor() -> None:
    answers = await _read_all(_listing(), PagedItems([]))
    assert answers == [{"total": 0, "result": [], "returned": 0, "next_cursor": None}]
