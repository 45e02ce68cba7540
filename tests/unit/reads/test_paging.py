"""Page assembly: any limit pages through fixed-size provider pages exactly once."""

from __future__ import annotations

import pytest

from parley.providers.base import ProviderPage
from parley.reads.cursor import CursorState
from parley.reads.paging import assemble_page, whole_list_page


def provider_pages(total: int, size: int) -> dict[str | None, ProviderPage[int]]:
    """A fake provider: pages of `size` records keyed by position, last page then empty."""
    pages: dict[str | None, ProviderPage[int]] = {}
    position: str | None = None
    for start in range(0, total, size):
        nxt = f"k{start + size}"
        pages[position] = ProviderPage(list(range(start, min(start + size, total))), nxt)
        position = nxt
    pages[position] = ProviderPage([], None)
    return pages


async def read_all(total: int, size: int, limit: int) -> tuple[list[int], int]:
    pages = provider_pages(total, size)
    calls = 0

    async def fetch(position: str | None) -> ProviderPage[int]:
        nonlocal calls
        calls += 1
        return pages[position]

    seen: list[int] = []
    state: CursorState | None = CursorState(None, 0)
    while state is not None:
        page = await assemble_page(fetch, state, limit)
        assert len(page.items) <= limit
        seen.extend(page.items)
        state = page.next_state
    return seen, calls


@pytest.mark.parametrize("limit", [1, 7, 50, 99, 100, 101, 250, 500])
@pytest.mark.parametrize("total", [0, 1, 100, 250, 1001])
async def test_every_record_exactly_once_in_order_for_any_limit(total: int, limit: int) -> None:
    seen, _ = await read_all(total, 100, limit)
    assert seen == list(range(total))


async def test_limit_above_provider_page_reads_several_provider_pages() -> None:
    pages = provider_pages(1000, 100)

    async def fetch(position: str | None) -> ProviderPage[int]:
        return pages[position]

    page = await assemble_page(fetch, CursorState(None, 0), 250)
    assert page.items == list(range(250))
    assert page.next_state == CursorState("k200", 50)


async def test_page_ending_on_a_provider_boundary_points_at_the_next_provider_page() -> None:
    pages = provider_pages(300, 100)

    async def fetch(position: str | None) -> ProviderPage[int]:
        return pages[position]

    page = await assemble_page(fetch, CursorState(None, 0), 100)
    assert page.next_state == CursorState("k100", 0)


async def test_whole_list_pages_by_offset() -> None:
    fetch = whole_list_page(list(range(12)))
    first = await assemble_page(fetch, CursorState(None, 0), 5)
    assert first.items == [0, 1, 2, 3, 4]
    assert first.next_state == CursorState(None, 5)
    last = await assemble_page(fetch, CursorState(None, 10), 5)
    assert last.items == [10, 11]
    assert last.next_state is None
