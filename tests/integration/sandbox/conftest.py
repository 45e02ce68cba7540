"""Fixtures for the Chorus sandbox tests: a live sandbox on a real socket, and the spec.

The contract is the provider's own OpenAPI document, `../shared/reference/chorus/` beside the
repository; `data/chorus-openapi.json` is a verbatim copy, so a bare clone runs these tests.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from parley.sandbox import SandboxConfig, SandboxServer

#: A verbatim copy of the contract Chorus publishes, so a bare clone tests against it too.
SPEC_PATH = Path(__file__).resolve().parent / "data" / "chorus-openapi.json"
FIXED_ANCHOR = "2026-03-02T00:00:00+00:00"

Validate = Callable[[Any, str], None]


@cache
def load_spec() -> dict[str, Any]:
    """The Chorus OpenAPI document."""
    if not SPEC_PATH.exists():
        pytest.fail(f"Chorus OpenAPI spec not found at {SPEC_PATH}")
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return spec


def _relaxed(schema: Any) -> Any:
    """A copy with every `required` list removed (for sparse fieldsets)."""
    if isinstance(schema, dict):
        return {k: _relaxed(v) for k, v in schema.items() if k != "required"}
    if isinstance(schema, list):
        return [_relaxed(v) for v in schema]
    return schema


def validator_for(ref: str, *, sparse: bool = False) -> OAS30Validator:
    """A validator for `#/components/...` with local `$ref`s resolving into the spec."""
    components = copy.deepcopy(load_spec()["components"])
    if sparse:
        components = _relaxed(components)
    return OAS30Validator({"$ref": ref, "components": components})


def response_schema_ref(path: str, status: str, media_type: str) -> str:
    """The schema `$ref` the spec declares for an operation's response."""
    response = load_spec()["paths"][path]["get"]["responses"][status]
    if "$ref" in response:  # a shared component response such as NotFound
        name = response["$ref"].rsplit("/", 1)[-1]
        response = load_spec()["components"]["responses"][name]
    ref: str = response["content"][media_type]["schema"]["$ref"]
    return ref


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="session")
def validate() -> Validate:
    """validate(instance, "#/components/schemas/X"): raise if it does not conform."""
    validators: dict[str, OAS30Validator] = {}

    def check(instance: Any, ref: str) -> None:
        if ref not in validators:
            validators[ref] = validator_for(ref)
        validators[ref].validate(instance)

    return check


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A 250-meeting sandbox with a fixed anchor, shared by a test module (read-only use)."""
    config = SandboxConfig(anchor=datetime.fromisoformat(FIXED_ANCHOR))
    with SandboxServer(config) as server:
        yield server


def make_client(base_url: str, token: str | None = None) -> httpx.Client:
    """A client for a sandbox; plain HTTP, so no CA bundle is loaded (it is slow)."""
    headers = {"Authorization": token} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=60, verify=False)


@pytest.fixture(scope="session")
def connect() -> Callable[..., httpx.Client]:
    """connect(base_url, token=None): a client for an ad-hoc sandbox."""
    return make_client


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """Authenticated client for the shared sandbox."""
    with make_client(sandbox.url, sandbox.token) as http:
        yield http


@pytest.fixture
def anon(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """Client without a token for the shared sandbox."""
    with make_client(sandbox.url) as http:
        yield http


@pytest.fixture
def fresh() -> Iterator[SandboxServer]:
    """A small private sandbox a test may mutate (faults, tokens, meetings)."""
    config = SandboxConfig(meetings=60, anchor=datetime.fromisoformat(FIXED_ANCHOR))
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def fresh_client(fresh: SandboxServer) -> Iterator[httpx.Client]:
    """Authenticated client for the private sandbox."""
    with make_client(fresh.url, fresh.token) as http:
        yield http


@pytest.fixture
def admin(fresh: SandboxServer) -> Iterator[httpx.Client]:
    """Client without a token for the private sandbox (admin routes need none)."""
    with make_client(fresh.url) as http:
        yield http


def _all_engagements(http: httpx.Client, **params: str) -> list[dict[str, Any]]:
    """Follow continuation keys until the empty page."""
    rows: list[dict[str, Any]] = []
    query = dict(params)
    for _ in range(1000):
        body = http.get("/v3/engagements", params=query).raise_for_status().json()
        if not body["engagements"]:
            return rows
        rows.extend(body["engagements"])
        query["continuation_key"] = body["continuation_key"]
    raise AssertionError("paging never ended")


@pytest.fixture(scope="session")
def collect() -> Callable[..., list[dict[str, Any]]]:
    """collect(http, **params): every engagement row, following continuation keys."""
    return _all_engagements


@pytest.fixture(scope="session")
def validate_sparse() -> Validate:
    """Like `validate`, but no property is required (sparse fieldsets)."""
    validators: dict[str, OAS30Validator] = {}

    def check(instance: Any, ref: str) -> None:
        if ref not in validators:
            validators[ref] = validator_for(ref, sparse=True)
        validators[ref].validate(instance)

    return check


@pytest.fixture(scope="session")
def response_ref() -> Callable[[str, str, str], str]:
    """response_ref(path, status, media_type): the schema $ref the spec declares."""
    return response_schema_ref
