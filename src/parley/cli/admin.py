"""`parley keys …`, `parley accounts …`, `parley secrets rotate`: administration commands."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from parley.config import Settings
from parley.errors import ParleyError
from parley.runtime import Runtime

__all__ = ["accounts_app", "keys_app", "secrets_app"]

T = TypeVar("T")
keys_app = typer.Typer(help="Parley API keys.", no_args_is_help=True)
accounts_app = typer.Typer(help="Integrated (linked provider) accounts.", no_args_is_help=True)
secrets_app = typer.Typer(help="The master key and encrypted credentials.", no_args_is_help=True)


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


@keys_app.command("create")
def create_key(tenant: str = typer.Option(..., help="Tenant name (created if new).")) -> None:
    """Create an API key; it is shown once, alone on the last line."""

    async def work(rt: Runtime) -> str:
        await rt.tenants.get_or_create(tenant)
        key, _ = await rt.api_keys.create_key(tenant)
        return key

    key = _run(work)
    typer.echo(f"API key for tenant {tenant!r} (shown once):", err=True)
    typer.echo(key)


@accounts_app.command("link")
def link(
    tenant: str = typer.Option(..., help="Tenant name."),
    token: str = typer.Option(..., help="The Chorus API token.", prompt=True, hide_input=True),
    base_url: str | None = typer.Option(
        None, help="Another Chorus host (a sandbox or private one must be in PARLEY_EGRESS_ALLOW)."
    ),
    integration: str = typer.Option("chorus", help="The provider."),
) -> None:
    """Validate a provider token live and link it to the tenant."""

    async def work(rt: Runtime) -> str:
        view = await rt.tenants.get_or_create(tenant)
        account = await rt.accounts.link(view.id, integration, token, base_url)
        return account.id

    typer.echo(_run(work))


@accounts_app.command("list")
def list_accounts(tenant: str | None = typer.Option(None, help="Only this tenant.")) -> None:
    """List integrated accounts as JSON lines (never their credentials)."""

    async def work(rt: Runtime) -> list[str]:
        tenant_id = None
        if tenant is not None:
            tenant_id = (await rt.tenants.get_or_create(tenant)).id
        views = await rt.accounts.list(tenant_id)
        return [json.dumps(v.model_dump(mode="json")) for v in views]

    for line in _run(work):
        typer.echo(line)


@secrets_app.command("rotate")
def rotate() -> None:
    """Re-encrypt every credential with the first key of PARLEY_SECRET_KEY."""
    from parley.accounts.rotation import rotate_credentials

    async def work(rt: Runtime) -> object:
        return await rotate_credentials(rt.db, rt.vault)

    typer.echo(str(_run(work)))
