"""Where a scoped token may write: the coaching library's routes, and no other route.

`get_coaching_caller` is the one dependency that lets a scoped token's POST, PATCH or DELETE
in. This walks every route of every router module (`parley.api.routes.*`, `parley.web`):
the routes that depend on it are exactly the `/coaching/…` ones, and none of those also
depends on `get_caller` (which refuses them).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIRouter

import parley.api.routes
from parley.api.deps import get_caller, get_coaching_caller
from parley.web import routes as web


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _routes() -> list[APIRoute]:
    modules = [
        importlib.import_module(f"parley.api.routes.{info.name}")
        for info in pkgutil.iter_modules(parley.api.routes.__path__)
    ]
    routers: list[APIRouter] = [m.router for m in [*modules, web] if hasattr(m, "router")]
    found = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    assert len(found) > 50  # every module's routes, not an empty walk
    return found


def test_only_the_coaching_routes_let_a_scoped_token_write() -> None:
    writers = {
        (method, route.path)
        for route in _routes()
        if get_coaching_caller in set(_calls(route.dependant))
        for method in route.methods
    }
    coaching = {
        (method, route.path)
        for route in _routes()
        if route.path.startswith("/coaching/")
        for method in route.methods
    }

    assert writers == coaching
    assert {method for method, _ in coaching} == {"GET", "POST", "PATCH", "DELETE"}
    assert len(coaching) == 11


def test_no_coaching_route_also_depends_on_the_read_only_caller() -> None:
    for route in _routes():
        if route.path.startswith("/coaching/"):
            assert get_caller not in set(_calls(route.dependant)), route.path
