"""Pagination strategies a connector picks (meltano-sdk style), plus de-duplication across pages."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sized
from typing import TypeVar

__all__ = ["ContinuationKeyPaginator", "dedupe"]

T = TypeVar("T")


class ContinuationKeyPaginator:
    """Follows an opaque continuation key; stops on an empty page, no key, or a repeated key."""

    def __init__(self, start_key: str | None = None) -> None:
        self._current = start_key
        self._seen: set[str] = set() if start_key is None else {start_key}
        self._finished = False

    @property
    def current_key(self) -> str | None:
        """The key to send for the next page (None for the first page)."""
        return self._current

    @property
    def finished(self) -> bool:
        """True once `has_more` has said there is nothing left."""
        return self._finished

    def has_more(self, response_key: str | None, records: Sized) -> bool:
        """Record a page's key and records; True when another page should be fetched."""
        if self._finished:
            return False
        # A provider that hands back a key it already gave would otherwise loop forever.
        if len(records) == 0 or not response_key or response_key in self._seen:
            self._finished = True
            return False
        self._seen.add(response_key)
        self._current = response_key
        return True


def dedupe(
    items: Iterable[T], key: Callable[[T], Hashable], *, seen: set[Hashable] | None = None
) -> Iterator[T]:
    """Yield the items whose key was not seen yet (pass `seen` to share it across pages)."""
    seen = set() if seen is None else seen
    for item in items:
        item_key = key(item)
        if item_key in seen:
            continue
        seen.add(item_key)
        yield item
