"""The public surface of parley.http: sorted, complete, and matching the written contract."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import parley.http

MODULES = ["parley.http", "parley.http.client", "parley.http.pagination", "parley.http.ratelimit"]


@pytest.mark.parametrize("name", [*MODULES, "parley.http.retry"])
def test_all_is_sorted_and_every_name_exists(name: str) -> None:
    module = importlib.import_module(name)

    assert module.__all__ == sorted(module.__all__, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(module, export) for export in module.__all__)


@pytest.mark.parametrize("name", parley.http.__all__)
def test_every_public_name_has_a_docstring(name: str) -> None:
    assert getattr(parley.http, name).__doc__


@pytest.mark.parametrize(
    "name",
    [
        "Decision",
        "classify",
        "parse_retry_after",
        "RetryPolicy",
        "RateLimitState",
        "RateLimiter",
        "TokenBucketLimiter",
        "HttpOptions",
        "ResilientClient",
        "ContinuationKeyPaginator",
    ],
)
def test_every_name_of_the_contract_is_exported(name: str) -> None:
    assert name in parley.http.__all__
    assert name in (Path(parley.http.__file__).parent / "contract.md").read_text()
