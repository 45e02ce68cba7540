"""What the HTTP stack needs installed to stay fast."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import httpcore._synchronization as synchronization


class _Recorder:
    """A meta-path finder that only notes which modules the import system went looking for."""

    def __init__(self) -> None:
        self.searched: list[str] = []

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        self.searched.append(name)
        return None


def test_httpcore_finds_its_async_library_without_searching_the_disk() -> None:
    # httpcore asks `import sniffio` on every connection-pool lock. Without sniffio installed
    # each ask searched every sys.path entry (dozens of stat calls per request).
    async def ask() -> str:
        return synchronization.current_async_library()

    asyncio.run(ask())  # the first import, if any, happens here
    recorder = _Recorder()
    sys.meta_path.insert(0, recorder)
    try:
        assert asyncio.run(ask()) == "asyncio"
    finally:
        sys.meta_path.remove(recorder)

    assert "sniffio" not in recorder.searched
