"""Sync: windows -> pages -> mapping -> store upsert + outbox events -> checkpoint.

`SyncRuns` manages runs (create, queue, read, recover); `RunExecutor` executes them; the
`RunWriter` is the one writer of a run's row; page hooks (`parley.storage.page_hooks`) let
derived computations join every page's transaction.
"""

from __future__ import annotations

from parley.sync.executor import OpenProvider, RunExecutor
from parley.sync.inprocess import InProcessSyncQueue
from parley.sync.options import SyncOptions
from parley.sync.queue import SyncQueue
from parley.sync.runs import RunStatus, SyncRunView
from parley.sync.runs_service import SyncRuns
from parley.sync.scheduler import SyncScheduler

__all__ = [
    "InProcessSyncQueue",
    "OpenProvider",
    "RunExecutor",
    "RunStatus",
    "SyncOptions",
    "SyncQueue",
    "SyncRunView",
    "SyncRuns",
    "SyncScheduler",
]
