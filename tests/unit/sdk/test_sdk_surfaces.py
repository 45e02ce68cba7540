"""`Client` and `AsyncClient` offer the same surface: every resource and method in both."""

from __future__ import annotations

import inspect

import pytest

from parley.sdk import AsyncClient, Client
from parley.sdk import async_resources as a
from parley.sdk import coaching as c
from parley.sdk import resources as s


def _methods(cls: type) -> dict[str, list[str]]:
    return {
        name: list(inspect.signature(member).parameters)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


_SYNC = [(s, a, name) for name in s.__all__] + [
    (c, c, name) for name in c.__all__ if not name.startswith("Async")
]


@pytest.mark.parametrize(("sync_module", "async_module", "name"), _SYNC)
def test_each_resource_has_its_async_twin(
    sync_module: object, async_module: object, name: str
) -> None:
    sync_cls, async_cls = getattr(sync_module, name), getattr(async_module, f"Async{name}")
    sync_methods, async_methods = _methods(sync_cls), _methods(async_cls)
    assert sync_methods == async_methods
    for method in async_methods:
        returns_pages = "Paginator" in str(inspect.signature(getattr(sync_cls, method)))
        # Lists hand back a paginator at once; everything else is awaited.
        assert inspect.iscoroutinefunction(getattr(async_cls, method)) is not returns_pages


def test_both_clients_have_the_same_resources_and_calls() -> None:
    sync = Client("k", "http://x.test")
    asynchronous = AsyncClient("k", "http://x.test")
    resources = {k: type(v).__name__ for k, v in vars(sync).items() if not k.startswith("_")}
    twins = {k: type(v).__name__ for k, v in vars(asynchronous).items() if not k.startswith("_")}
    assert {k: f"Async{v}" for k, v in resources.items() if k != "config"} == {
        k: v for k, v in twins.items() if k != "config"
    }
    assert set(_methods(Client)) - {"close"} == set(_methods(AsyncClient)) - {"aclose"}
    sync.close()
