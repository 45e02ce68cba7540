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
    from parley.cli import (
        admin,
        demo,
        mcp_cmd,
        rules_cmd,
        sandbox_cmd,
        search_cmd,
        serve,
        sync_cmd,
        worker,
    )

    app.command("sandbox")(sandbox_cmd.sandbox)
    app.command("serve")(serve.serve)
    app.command("worker")(worker.worker)
    app.command("demo")(demo.demo)
    app.command("search")(search_cmd.search)
    app.command("sync")(sync_cmd.sync)
    app.command("mcp")(mcp_cmd.mcp)
    app.add_typer(admin.keys_app, name="keys")
    app.add_typer(admin.accounts_app, name="accounts")
    app.add_typer(admin.secrets_app, name="secrets")
    app.add_typer(rules_cmd.rules_app, name="rules")
    app.command("snippets")(rules_cmd.snippets)


_register()
