"""Public surfaces are explicit and sorted, so additions are deliberate."""

from __future__ import annotations

import importlib

import pytest

MODULES = ["parley", "parley.errors", "parley.types", "parley.unified", "parley.config"]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolvable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    for attr in exported:
        assert hasattr(module, attr), f"{name}.{attr} is in __all__ but missing"


def test_every_error_has_a_status_and_a_machine_code() -> None:
    errors = importlib.import_module("parley.errors")
    for attr in errors.__all__:
        cls = getattr(errors, attr)
        assert attr.endswith("Error")
        assert 400 <= cls.status <= 599
        assert cls.default_code
        assert cls.default_code.islower()
