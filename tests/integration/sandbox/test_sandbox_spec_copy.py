"""The vendored Chorus contract is the reference one, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
VENDORED = HERE / "data" / "chorus-openapi.json"
REFERENCE = HERE.parents[2].parent / "shared" / "reference" / "chorus" / "chorus-openapi.json"


def test_the_vendored_spec_is_the_reference_spec() -> None:
    if not REFERENCE.exists():
        pytest.skip(f"no reference copy at {REFERENCE} to compare with")
    assert VENDORED.read_bytes() == REFERENCE.read_bytes()
