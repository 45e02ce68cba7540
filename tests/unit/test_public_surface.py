"""Public surfaces are explicit, sorted and complete, so additions are deliberate."""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

import pytest

MODULES = [
    "parley",
    "parley.errors",
    "parley.types",
    "parley.unified",
    "parley.config",
    "parley.sdk",
    "parley.sdk.models",
    "parley.sdk.insight_models",
    "parley.sdk.webhooks",
]
#: Modules whose every public class and function must be listed in `__all__`.
COMPLETE = [
    "parley",
    "parley.errors",
    "parley.sdk",
    "parley.sdk.models",
    "parley.sdk.insight_models",
    "parley.sdk.webhooks",
]


def _defined_public(module: ModuleType) -> set[str]:
    """Public classes and functions the module (or its own package) defines or re-exports."""
    package = module.__name__
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        origin = getattr(value, "__module__", None)
        if (inspect.isclass(value) or inspect.isfunction(value)) and (
            origin == package or (origin or "").startswith(package + ".") or package == "parley"
        ):
            names.add(name)
    return names


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolvable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    assert len(exported) == len(set(exported))
    for attr in exported:
        assert hasattr(module, attr), f"{name}.{attr} is in __all__ but missing"


@pytest.mark.parametrize("name", COMPLETE)
def test_all_lists_every_public_name(name: str) -> None:
    module = importlib.import_module(name)
    missing = _defined_public(module) - set(module.__all__)
    assert not missing, f"{name} defines public names missing from __all__: {sorted(missing)}"


def test_the_package_exports_the_sdk_and_the_error_tree() -> None:
    parley = importlib.import_module("parley")
    sdk = importlib.import_module("parley.sdk")
    errors = importlib.import_module("parley.errors")
    wanted = set(sdk.__all__) | set(errors.__all__)
    assert wanted <= set(parley.__all__), sorted(wanted - set(parley.__all__))
    assert set(parley.__all__) <= wanted  # nothing else sneaks into the top level
    for name in parley.__all__:
        source = sdk if name in sdk.__all__ else errors
        assert getattr(parley, name) is getattr(source, name)


def test_every_error_has_a_status_and_a_machine_code() -> None:
    errors = importlib.import_module("parley.errors")
    for attr in errors.__all__:
        cls = getattr(errors, attr)
        assert attr.endswith("Error")
        assert 400 <= cls.status <= 599
        assert cls.default_code
        assert cls.default_code.islower()
