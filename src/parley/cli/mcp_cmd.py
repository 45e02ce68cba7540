"""`parley mcp`: Parley's read tools for an AI agent, over stdio (the agent starts it)."""

from __future__ import annotations

import asyncio
import logging
import sys

import typer

from parley.config import Settings
from parley.errors import ParleyError

__all__ = ["mcp"]


def mcp(
    api_key: str | None = typer.Option(
        None,
        "--api-key",
        envvar="PARLEY_API_KEY",
        show_envvar=True,
        help="Your Parley API key, or a scoped token (pst_…) to read as one app user.",
    ),
    as_user: str | None = typer.Option(
        None, "--as-user", help="With an API key: act as this app user (Parley-As-User)."
    ),
) -> None:
    """Serve the MCP tools on stdin/stdout against the configured database."""
    from parley.mcp.stdio import serve_stdio

    if not api_key or not api_key.strip():
        typer.echo("error: give --api-key or set PARLEY_API_KEY", err=True)
        raise typer.Exit(2)
    settings = Settings()
    # stdout carries the protocol: every log line goes to stderr.
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(levelname)s %(name)s %(message)s",
    )
    try:
        asyncio.run(serve_stdio(settings, api_key.strip(), as_user=as_user))
    except ParleyError as exc:
        typer.echo(f"error: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(1) from exc
