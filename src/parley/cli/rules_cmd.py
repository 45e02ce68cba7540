"""`parley rules add|list` and `parley snippets`: keyword rules and their snippets, locally.

They act for one tenant: `--tenant NAME`; without it, the tenant of `--account`, or the only
tenant there is. `rules add` runs the rule's backfill over the stored copy before it returns
(embedded mode; in scale mode a worker runs it) and prints its progress.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from parley.config import Settings
from parley.errors import InvalidRequestError, ParleyError
from parley.insights.rules import RuleChange, RuleView
from parley.insights.snippet_feed import FeedQuery
from parley.runtime import Runtime

__all__ = ["rules_app", "snippets"]

T = TypeVar("T")
rules_app = typer.Typer(help="Keyword rules: phrases whose mentions become snippets.")


def _run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    async def main() -> T:
        runtime = await Runtime.start(Settings())
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except ParleyError as exc:
        typer.echo(f"error: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(1) from exc


async def _tenant(rt: Runtime, tenant: str | None, account: str | None) -> str:
    if tenant is not None:
        found = await rt.tenants.find(tenant)
        if found is None:
            raise InvalidRequestError(f"No tenant named {tenant!r}.", param="tenant")
        return str(found.id)
    if account is not None:
        return str((await rt.accounts.get(None, account)).tenant_id)
    tenants = await rt.tenants.list()
    if len(tenants) != 1:
        raise InvalidRequestError(
            f"There are {len(tenants)} tenants: say which with --tenant.", param="tenant"
        )
    return str(tenants[0].id)


def _rules_table(views: list[RuleView]) -> Table:
    table = Table(title=f"{len(views)} keyword rule(s)")
    for column in ("id", "name", "phrases", "account", "speaker", "enabled", "backfill"):
        table.add_column(column, overflow="fold")
    for view in views:
        backfill = view.backfill
        table.add_row(
            view.id,
            view.name,
            ", ".join(view.phrases),
            view.integrated_account_id or "all",
            view.speaker_type,
            "yes" if view.enabled else "no",
            f"{backfill.status}: {backfill.meetings_scanned} meetings, "
            f"{backfill.snippets} snippets",
        )
    return table


@rules_app.command("add")
def add(
    name: str = typer.Argument(..., help="The rule's name, e.g. Bugs."),
    phrase: list[str] = typer.Option(..., "--phrase", help="A phrase (repeat for more)."),
    account: str | None = typer.Option(None, help="Only this integrated account (default: all)."),
    speaker: str = typer.Option("any", help="any, user (internal) or guest."),
    context: float = typer.Option(15.0, help="Seconds of context around a match (0-120)."),
    tenant: str | None = typer.Option(None, help="The tenant's name."),
) -> None:
    """Create a keyword rule and scan the stored copy for it."""

    async def work(rt: Runtime) -> RuleView:
        tenant_id = await _tenant(rt, tenant, account)
        change = RuleChange(
            name=name,
            phrases=list(phrase),
            integrated_account_id=account,
            speaker_type=speaker,
            context_seconds=context,
        )
        view = await rt.keywords.rules.create(tenant_id, change)
        if rt.keywords.local_queue is not None:
            await rt.keywords.local_queue.join()
        return await rt.keywords.rules.get(tenant_id, view.id)

    view = _run(work)
    backfill = view.backfill
    typer.echo(
        f"rule {view.id} ({view.name}): backfill {backfill.status}, "
        f"{backfill.meetings_scanned} meetings scanned, {backfill.snippets} snippets"
    )


@rules_app.command("list")
def list_rules(tenant: str | None = typer.Option(None, help="The tenant's name.")) -> None:
    """The tenant's keyword rules, oldest first, with their backfill's progress."""

    async def work(rt: Runtime) -> list[RuleView]:
        tenant_id = await _tenant(rt, tenant, None)
        views, after = await rt.keywords.rules.list(tenant_id, after=None, limit=100)
        while after is not None:
            more, after = await rt.keywords.rules.list(tenant_id, after=after, limit=100)
            views += more
        return views

    Console(width=160).print(_rules_table(_run(work)))


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def snippets(
    rule: str | None = typer.Option(None, help="Only this rule's snippets (its id)."),
    limit: int = typer.Option(20, min=1, max=100, help="How many snippets to show."),
    tenant: str | None = typer.Option(None, help="The tenant's name."),
) -> None:
    """The snippet feed: newest meeting first, then by start time."""

    async def work(rt: Runtime) -> list[dict[str, Any]]:
        tenant_id = await _tenant(rt, tenant, None)
        query = FeedQuery(tenant_id=tenant_id, rule_id=rule)
        found, _ = await rt.keywords.feed.page(query, limit=limit)
        return found

    found = _run(work)
    table = Table(title=f"{len(found)} snippet(s), newest meeting first")
    for column in ("rule", "meeting", "at", "speaker", "text"):
        table.add_column(column, overflow="fold")
    for item in found:
        when = (item["meeting_start_time"] or "")[:10]
        table.add_row(
            item["rule_name"],
            f"{item['meeting_title'] or item['meeting_id']}\n{when} {item['meeting_id']}",
            f"{_clock(item['start_time'])}-{_clock(item['end_time'])}",
            f"{item['speaker_name'] or '?'} ({item['speaker_type']})",
            item["text"],
        )
    Console(width=160).print(table)
