"""The `parley` command line (Typer)."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    name="parley",
    help="Parley: self-hosted unified Conversational Intelligence API.",
    no_args_is_help=True,
    add_completion=False,
)


def _register() -> None:
    from parley.cli import sandbox_cmd

    app.command("sandbox")(sandbox_cmd.sandbox)


_register()
