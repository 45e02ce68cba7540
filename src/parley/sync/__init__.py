"""Sync: windows -> pages -> mapping -> store upsert + outbox events -> checkpoint."""

from __future__ import annotations

from parley.sync.inprocess import InProcessSyncQueue
from parley.sync.queue import SyncQueue
from parley.sync.runs import RunStatus, SyncRunView
from parley.sync.scheduler import SyncScheduler
from parley.sync.service import OpenProvider, SyncOptions, SyncService

__all__ = [
    "InProcessSyncQueue",
    "OpenProvider",
    "RunStatus",
    "SyncOptions",
    "SyncQueue",
    "SyncRunView",
    "SyncScheduler",
    "SyncService",
]
