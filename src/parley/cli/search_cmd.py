"""`parley search "pricing" [--account ID] [--limit N]`: ranked transcript hits, locally."""

from __future__ import annotations

import asyncio
import re

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from parley.config import Settings
from parley.errors import ParleyError
from parley.insights import SearchFilters, SearchHit
from parley.runtime import Runtime

__all__ = ["search"]

_MARK = re.compile(r"<mark>(.*?)</mark>")


def _snippet(snippet: str) -> Text:
    """The HTML snippet as terminal text, matches in bold."""
    text = Text()
    position = 0
    for match in _MARK.finditer(snippet):
        text.append(_unescape(snippet[position : match.start()]))
        text.append(_unescape(match.group(1)), style="bold yellow")
        position = match.end()
    text.append(_unescape(snippet[position:]))
    return text


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def _table(text: str, hits: list[SearchHit]) -> Table:
    table = Table(title=f"{len(hits)} hit(s) for {text!r}, best first", show_lines=False)
    for column in ("meeting", "at", "speaker", "snippet", "play"):
        table.add_column(column, overflow="fold")
    for hit in hits:
        when = hit.meeting_start_time.date().isoformat() if hit.meeting_start_time else ""
        table.add_row(
            f"{hit.meeting_title or hit.meeting_id}\n{when} {hit.meeting_id}",
            f"{_clock(hit.start_time)}-{_clock(hit.end_time)}",
            f"{hit.speaker_name or '?'} ({hit.speaker_type})",
            _snippet(hit.snippet),
            hit.playback_url or "",
        )
    return table


async def _search(text: str, account: str | None, limit: int) -> list[SearchHit]:
    runtime = await Runtime.start(Settings())
    try:
        if account is not None:
            accounts = [(await runtime.accounts.get(None, account)).id]
        else:
            accounts = [a.id for a in await runtime.accounts.list(None)]
        result = await runtime.search.search(text, SearchFilters(tuple(accounts)), limit=limit)
        return result.hits
    finally:
        await runtime.close()


def search(
    text: str = typer.Argument(..., help='What to find: words, "phrases", OR, -word, prefix*.'),
    account: str | None = typer.Option(None, help="Only this integrated account id."),
    limit: int = typer.Option(20, min=1, max=500, help="How many hits to show."),
) -> None:
    """Search synced transcripts in the local database, best hits first."""
    if not text.strip():
        typer.echo("error: give a non-empty search text", err=True)
        raise typer.Exit(2)
    try:
        hits = asyncio.run(_search(text, account, limit))
    except ParleyError as exc:
        typer.echo(f"error: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(1) from exc
    Console(width=160).print(_table(text, hits))
