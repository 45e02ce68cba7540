"""Database writes that a cancellation must not cut off half-way."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["uninterrupted"]

T = TypeVar("T")


async def uninterrupted(work: Coroutine[Any, Any, T]) -> T:
    """Run a database write to its end even if the caller is cancelled meanwhile.

    A transaction cut off mid-way could leave its connection holding SQLite's write lock;
    a cancellation that arrives during `work` is re-raised once `work` has finished.
    """
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.gather(task, return_exceptions=True)
        raise
