"""`parley sync ACCOUNT_ID [--full]`: sync one account here and now, with a progress bar."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from parley.config import Settings
from parley.errors import ParleyError
from parley.runtime import Runtime
from parley.sync import SyncRunView

__all__ = ["sync"]

_COUNTS = ("listed", "created", "updated", "unchanged", "deleted", "details_fetched", "pages")


def _describe(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{counts.get(name, 0)} {name.replace('_', ' ')}" for name in _COUNTS[:6])


def summary(view: SyncRunView) -> str:
    """The closing lines: status, window, counts, errors, duration."""
    took = (
        f"{(view.finished_at - view.started_at).total_seconds():.1f} s"
        if view.finished_at and view.started_at
        else "-"
    )
    window = view.window_start.isoformat() if view.window_start else "all history"
    lines = [
        f"sync run {view.id}: {view.status.value} in {took} (window from {window})",
        "  " + _describe(view.counts) + f", {view.counts.get('pages', 0)} pages",
        f"  {view.counts.get('users', 0)} users, {view.counts.get('teams', 0)} teams",
    ]
    lines += [f"  error [{e.get('code')}]: {e.get('message')}" for e in view.errors]
    return "\n".join(lines)


async def _sync(account_id: str, full: bool, console: Console) -> SyncRunView:
    runtime = await Runtime.start(Settings())
    try:
        view, _ = await runtime.sync.create(None, account_id, full=full, trigger="cli")
        columns = (
            SpinnerColumn(),
            TextColumn("[bold]syncing[/bold] {task.fields[what]}"),
            BarColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("sync", total=None, what="users and teams")

            def on_page(counts: Mapping[str, int]) -> None:
                progress.update(task, what=_describe(counts))

            return await runtime.sync_executor.execute(view.id, on_progress=on_page)
    finally:
        await runtime.close()


def sync(
    account_id: str = typer.Argument(..., help="The integrated account to sync."),
    full: bool = typer.Option(False, "--full", help="Re-list the whole history."),
) -> None:
    """Sync an integrated account's meetings, users and teams into the local store now."""
    console = Console(stderr=True)
    try:
        view = asyncio.run(_sync(account_id, full, console))
    except ParleyError as exc:
        typer.echo(f"error: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(1) from exc
    typer.echo(summary(view))
    if view.status.value != "completed":
        raise typer.Exit(1)
