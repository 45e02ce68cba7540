"""Assemble a page of any `limit` from fixed-size provider pages, exactly once per record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from parley.providers.base import ProviderPage
from parley.reads.cursor import CursorState

__all__ = ["Assembled", "assemble_page", "whole_list_page"]

T = TypeVar("T")


@dataclass(frozen=True)
class Assembled(Generic[T]):
    """The records of one API page and where the next one starts (None at the end)."""

    items: list[T]
    next_state: CursorState | None


async def assemble_page(
    fetch: Callable[[str | None], Awaitable[ProviderPage[T]]],
    start: CursorState,
    limit: int,
) -> Assembled[T]:
    """Read provider pages from `start` until `limit` records or the end."""
    items: list[T] = []
    position, offset = start.position, start.offset
    while True:
        page = await fetch(position)
        remaining = page.items[offset:]
        room = limit - len(items)
        if len(remaining) > room:
            items.extend(remaining[:room])
            return Assembled(items, CursorState(position, offset + room))
        items.extend(remaining)
        if page.next_position is None or not page.items:
            return Assembled(items, None)
        position, offset = page.next_position, 0
        if len(items) == limit:
            return Assembled(items, CursorState(position, 0))


def whole_list_page(records: list[T]) -> Callable[[str | None], Awaitable[ProviderPage[T]]]:
    """A fetcher over an unpaginated provider list (users, teams): one page holding all."""

    async def fetch(_: str | None) -> ProviderPage[T]:
        return ProviderPage(items=records, next_position=None)

    return fetch
