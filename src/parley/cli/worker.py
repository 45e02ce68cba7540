"""`parley worker`: a scale-mode worker — sync jobs (procrastinate) and webhook delivery.

Run any number of them, on any machines, against the same PostgreSQL database. Each one
runs up to `--concurrency` sync jobs (one per account at a time across all workers), the
periodic schedule (deferred once per tick whatever the number of workers), retries the jobs
of workers that died (no heartbeat for `PARLEY_WORKER_STALLED_TIMEOUT`), and delivers
webhooks. The tasks live here, at the top of the layers, because they call the services
the runtime composes; the API defers jobs by task name only (`parley.sync.queue_procrastinate`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import cast

import typer
from procrastinate import App, RetryStrategy
from procrastinate.exceptions import ConnectorException

from parley.config import Settings
from parley.errors import NotFoundError, ParleyError, SyncBusyError
from parley.insights.deal_schedule import register_deal_tasks
from parley.runtime import Runtime
from parley.sync.queue_procrastinate import (
    SCHEDULE_TASK,
    SYNC_QUEUE,
    SYNC_TASK,
    procrastinate_dsn,
)
from parley.sync.scheduler import SyncScheduler

__all__ = ["register_tasks", "run_worker", "worker"]

log = logging.getLogger("parley.worker")

#: The schedule tick: every 10 seconds (croniter's sixth field is seconds).
SCHEDULE_CRON = "* * * * * */10"

# A job interrupted by a worker's shutdown (CancelledError) or refused by a busy lease runs
# again, on whichever worker is free; the run resumes from its checkpoint.
_RETRIED = cast(Iterable[type[Exception]], (SyncBusyError, asyncio.CancelledError))
_SYNC_RETRY = RetryStrategy(max_attempts=50, wait=2, retry_exceptions=_RETRIED)


def worker(
    concurrency: int = typer.Option(4, "--concurrency", min=1, help="Sync jobs run at once."),
) -> None:
    """Run a scale-mode worker (PostgreSQL only) until SIGINT or SIGTERM."""
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    try:
        procrastinate_dsn(settings.database_url)
        if settings.mode != "scale":
            log.warning("PARLEY_MODE is not `scale`: the API processes will not use the workers")
        asyncio.run(run_worker(settings.model_copy(update={"mode": "scale"}), concurrency))
    except ParleyError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(code=2) from None
    except KeyboardInterrupt:  # Ctrl-C while starting, before the worker handles signals
        raise typer.Exit(code=130) from None


async def run_worker(settings: Settings, concurrency: int) -> None:
    """Migrate, register the tasks, then work until a stop signal; close everything."""
    runtime = await Runtime.start(settings)
    try:
        app = runtime.jobs
        assert app is not None, "Runtime builds the job queue whenever mode is `scale`"
        register_tasks(app, runtime)
        poll = settings.webhook_poll_interval
        async with runtime.webhooks.dispatcher.running(poll), _retrying_stalled_jobs(runtime, app):
            await app.run_worker_async(
                queues=[SYNC_QUEUE],
                name=f"{socket.gethostname()}:{os.getpid()}",
                concurrency=concurrency,
                update_heartbeat_interval=settings.worker_heartbeat_interval,
                stalled_worker_timeout=settings.worker_stalled_timeout,
                shutdown_graceful_timeout=settings.worker_shutdown_timeout,
                delete_jobs="successful",
                install_signal_handlers=True,
            )
    finally:
        await runtime.close()


def register_tasks(app: App, runtime: Runtime) -> None:
    """The sync job and the periodic schedule, bound to this process's services."""
    executor = runtime.sync_executor
    scheduler = SyncScheduler(runtime.db, runtime.sync)
    runtime.keywords.register_tasks(app)
    register_deal_tasks(app, runtime.deals, queue=SYNC_QUEUE)

    @app.task(name=SYNC_TASK, queue=SYNC_QUEUE, retry=_SYNC_RETRY)
    async def sync_account(run_id: str) -> None:
        try:
            view = await executor.execute(run_id)
        except NotFoundError:  # its account was deleted meanwhile: nothing left to do
            log.info("sync run %s no longer exists", run_id)
            return
        log.info("sync run %s: %s", run_id, view.status.value)

    @app.periodic(cron=SCHEDULE_CRON, periodic_id="parley")
    @app.task(name=SCHEDULE_TASK, queue=SYNC_QUEUE)
    async def sync_schedule(timestamp: int) -> None:
        # Runs left queued (no job: e.g. created before a switch to scale mode) or abandoned
        # by a silent worker go back to the queue (a run already waiting is not doubled),
        # then due accounts start.
        await scheduler.tick()


@asynccontextmanager
async def _retrying_stalled_jobs(runtime: Runtime, app: App) -> AsyncIterator[None]:
    task = asyncio.create_task(_retry_stalled_jobs(runtime, app), name="stalled-jobs")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _retry_stalled_jobs(runtime: Runtime, app: App) -> None:
    """Put the jobs of dead workers (killed, machine lost) back in the queue."""
    settings = runtime.settings
    while True:
        await asyncio.sleep(settings.worker_heartbeat_interval)
        try:
            stalled = await app.job_manager.get_stalled_jobs(
                queue=SYNC_QUEUE, seconds_since_heartbeat=settings.worker_stalled_timeout
            )
            for job in stalled:
                if job.task_name == SYNC_TASK:
                    # The job's procrastinate lock kept every other sync of the account from
                    # starting, so the lease's holder is the dead run: waiting for the lease
                    # to expire would only delay the resumed run by up to its lifetime.
                    run_id = str(job.task_kwargs.get("run_id"))
                    await runtime.sync_executor.free_lease(run_id)
                try:
                    await app.job_manager.retry_job(job)
                except ConnectorException:
                    continue  # another worker retried it first
                log.warning("job %s of a dead worker queued again", job.id)
        except Exception:
            log.exception("could not look for stalled jobs")
