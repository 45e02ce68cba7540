"""How sync runs reach an executor: in-process (embedded mode) or procrastinate (scale mode).

The API and the scheduler create a `queued` sync run row, then hand its id to a `SyncQueue`.
Whatever executes it calls the sync service's `execute(run_id)`, which takes the account's
lease (one sync per account at a time), resumes from the run's checkpoint and records the
outcome. Executing a run twice is safe: a finished run is left alone.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["SyncQueue"]


class SyncQueue(Protocol):
    """Accepts queued sync runs for execution."""

    async def enqueue(self, run_id: str, account_id: str) -> None:
        """Schedule `run_id` (a `queued` row already committed) for execution."""
        ...
