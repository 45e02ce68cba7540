"""One API call described as data (method, path, query, body, how to read the answer),
and the paginators that follow `next_cursor` from page to page.

Resources build `Call`s; `Client` and `AsyncClient` run them. Keeping the description apart
from the sending is what lets one set of resource definitions serve both clients.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import TypeAdapter

from parley.sdk.retry import IDEMPOTENT_METHODS
from parley.unified import Page

__all__ = [
    "AsyncPaginator",
    "Call",
    "Paginator",
    "json_of",
    "model_of",
    "page_of",
    "path",
    "query",
]

T = TypeVar("T")
Query = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """A request to make and how to parse its 2xx body."""

    method: str
    path: str
    parse: Callable[[bytes], T]
    params: Query = ()
    body: Any = None
    #: None: by method (GET, PUT, DELETE are); True for a POST known to be idempotent.
    idempotent: bool | None = None

    @property
    def is_idempotent(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method in IDEMPOTENT_METHODS

    def at_cursor(self, cursor: str) -> Call[T]:
        """The same call for the page at `cursor`."""
        kept = tuple((k, v) for k, v in self.params if k != "next_cursor")
        return replace(self, params=(*kept, ("next_cursor", cursor)))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(_text(v) for v in value)
    return str(value)


def query(**values: Any) -> Query:
    """Query parameters from keyword arguments: None is left out, bools are `true`/`false`,
    datetimes ISO 8601, sequences comma-joined, `remote_query={"x": 1}` is `remote_query[x]=1`."""
    out: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None:
            continue
        if name == "remote_query" and isinstance(value, Mapping):
            out.extend((f"remote_query[{k}]", _text(v)) for k, v in value.items())
        else:
            out.append((name, _text(value)))
    return tuple(out)


def path(template: str, *ids: str) -> str:
    """`template` with each `{}` replaced by an id, percent-encoded (a `/` in an id stays
    inside its path segment)."""
    return template.format(*(quote(str(i), safe="") for i in ids))


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    """One TypeAdapter per answer type (building one costs far more than using it)."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def model_of(kind: type[T]) -> Callable[[bytes], T]:
    """Parse a body as one `kind` (a pydantic model), in one pass over the JSON.

    The cyclic garbage collector is paused for the parse: it builds thousands of
    container objects (a page of 500 meetings: about 17,000) and nothing else runs
    meanwhile that could leave garbage cycles. Otherwise each parse triggers collections
    that walk every object still alive, so walking 10,000 meetings cost 2.7 times
    the parsing itself (benchmarks/sdk.py). The collector is restored as it was.
    """
    adapter = _adapter(kind)

    def parse(body: bytes) -> T:
        paused = gc.isenabled()
        gc.disable()
        try:
            value: T = adapter.validate_json(body)
        finally:
            if paused:
                gc.enable()
        return value

    return parse


def page_of(kind: type[T]) -> Callable[[bytes], Page[T]]:
    """Parse a list envelope (`result`, `next_cursor`) of `kind` in one pass over the JSON."""
    return model_of(Page[kind])  # type: ignore[valid-type]


def json_of(body: bytes) -> dict[str, Any]:
    """Parse a body as a JSON object, untyped (`{"id": …}` answers of deletes)."""
    value: dict[str, Any] = _adapter(dict[str, Any]).validate_json(body)
    return value


class Paginator(Generic[T]):
    """Every item of a list, page after page: iterate it for items, `.pages()` for pages.

    Nothing is fetched until iteration starts; each iteration starts from the first page.
    """

    def __init__(self, run: Callable[[Call[Page[T]]], Page[T]], call: Call[Page[T]]) -> None:
        self._run = run
        self._call = call

    def pages(self) -> Iterator[Page[T]]:
        """Each page in turn, following `next_cursor` until the last."""
        call = self._call
        while True:
            page = self._run(call)
            yield page
            if not page.next_cursor:
                return
            call = call.at_cursor(page.next_cursor)

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.result

    def first_page(self) -> Page[T]:
        """Only the first page (one request)."""
        return self._run(self._call)


class AsyncPaginator(Generic[T]):
    """`Paginator` for `AsyncClient`: `async for item in …`, `async for page in ….pages()`."""

    def __init__(
        self, run: Callable[[Call[Page[T]]], Awaitable[Page[T]]], call: Call[Page[T]]
    ) -> None:
        self._run = run
        self._call = call

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Each page in turn, following `next_cursor` until the last."""
        call = self._call
        while True:
            page = await self._run(call)
            yield page
            if not page.next_cursor:
                return
            call = call.at_cursor(page.next_cursor)

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.result:
                yield item

    async def first_page(self) -> Page[T]:
        """Only the first page (one request)."""
        return await self._run(self._call)
