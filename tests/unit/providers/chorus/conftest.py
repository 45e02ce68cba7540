"""Spec-shaped Chorus payloads for the connector's unit tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


@pytest.fixture
def engagements_page() -> dict[str, Any]:
    """The `/v3/engagements` example of the OpenAPI document, verbatim."""
    return copy.deepcopy(_load("engagements_page.json"))


@pytest.fixture
def engagement(engagements_page: dict[str, Any]) -> dict[str, Any]:
    """The one engagement row of the spec example."""
    row: dict[str, Any] = engagements_page["engagements"][0]
    return row


@pytest.fixture
def conversation() -> dict[str, Any]:
    """A `RecordingDoc` that validates against the spec schema."""
    return copy.deepcopy(_load("conversation.json"))


@pytest.fixture(scope="session")
def chorus_schemas() -> dict[str, Any]:
    """The spec's component schemas the connector reads (verbatim subset)."""
    schemas: dict[str, Any] = _load("chorus-schemas.json")
    return schemas
