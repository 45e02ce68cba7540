"""The scale-mode SyncQueue: sync runs become procrastinate jobs in PostgreSQL.

Any API process defers a job per run; any `parley worker` process runs it. The job's `lock`
is the account, so procrastinate starts at most one job per account at a time (the sync
lease in `sync_states` stays the last word); its `queueing_lock` is the run, so enqueueing
the same run twice leaves one waiting job. The tasks themselves are registered by the worker
(`parley.cli.worker`), which owns the services they call; deferring needs only their names.
"""

from __future__ import annotations

import logging

from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.engine import make_url

from parley.errors import ParleyError

__all__ = [
    "SCHEDULE_TASK",
    "SYNC_QUEUE",
    "SYNC_TASK",
    "ProcrastinateSyncQueue",
    "account_lock",
    "procrastinate_app",
    "procrastinate_dsn",
]

log = logging.getLogger("parley.sync")

#: The procrastinate queue the sync jobs go to, and the task names the worker registers.
SYNC_QUEUE = "sync"
SYNC_TASK = "parley.sync_account"
SCHEDULE_TASK = "parley.sync_schedule"


def procrastinate_dsn(database_url: str) -> str:
    """The libpq URL (psycopg) of a SQLAlchemy PostgreSQL URL: `+asyncpg` dropped."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ParleyError(
            "Scale mode needs PostgreSQL: set PARLEY_DATABASE_URL=postgresql://… "
            "(procrastinate keeps its jobs there).",
            code="scale_mode_needs_postgresql",
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def procrastinate_app(database_url: str, *, max_connections: int = 10) -> App:
    """A procrastinate App on Parley's PostgreSQL database (open it before use)."""
    connector = PsycopgConnector(
        conninfo=procrastinate_dsn(database_url), min_size=1, max_size=max_connections
    )
    return App(connector=connector)


def account_lock(account_id: str) -> str:
    """The procrastinate lock serialising the jobs of one account."""
    return f"parley-sync-account:{account_id}"


class ProcrastinateSyncQueue:
    """Defers one `sync_account` job per run; workers anywhere pick them up."""

    def __init__(self, app: App) -> None:
        self._app = app

    async def enqueue(self, run_id: str, account_id: str) -> None:
        """Defer `run_id` (idempotent: a run already waiting is not queued twice)."""
        deferrer = self._app.configure_task(
            SYNC_TASK,
            queue=SYNC_QUEUE,
            lock=account_lock(account_id),
            queueing_lock=f"parley-sync-run:{run_id}",
        )
        try:
            await deferrer.defer_async(run_id=run_id)
        except AlreadyEnqueued:
            log.debug("sync run %s is already waiting in the queue", run_id)
