"""How syncs run: windows, schedule, concurrency, lease and retries (from Settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from parley.config import Settings

__all__ = ["SyncOptions"]


@dataclass(frozen=True)
class SyncOptions:
    """How syncs run (from Settings; tests shorten the waits)."""

    lookback: timedelta = timedelta(days=3)
    interval: timedelta = timedelta(minutes=15)
    concurrency: int = 8
    lease_ttl: timedelta = timedelta(seconds=60)
    #: How long an execution waits for another sync of the account to finish.
    lease_wait: timedelta = timedelta(seconds=90)
    retries: int = 4
    retry_delay: float = 1.0
    #: Ended runs and delivered events older than this are pruned (zero: kept forever).
    retention: timedelta = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncOptions:
        """The options PARLEY_SYNC_* ask for."""
        return cls(
            lookback=settings.sync_lookback,
            interval=settings.sync_interval,
            concurrency=settings.sync_concurrency,
            retention=settings.history_retention,
        )
