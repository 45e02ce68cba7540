"""Sync: windows -> pages -> mapping -> store upsert + outbox events -> checkpoint."""

from __future__ import annotations

from parley.sync.queue import SyncQueue

__all__ = ["SyncQueue"]
