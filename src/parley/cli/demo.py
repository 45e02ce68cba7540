"""`parley demo`: sandbox + server + a demo tenant, key and linked account; URLs printed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import typer
import uvicorn

from parley.cli.demo_seed import DemoInsights, add_rules, seed_insights, wait_for_sync
from parley.config import Settings
from parley.runtime import DemoSeed, Runtime
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.sync.runs import RunStatus

__all__ = ["demo", "demo_settings"]

DEMO_DIR = Path(".parley")
_STOP = (signal.SIGINT, signal.SIGTERM)


def demo(
    port: int = typer.Option(8000, help="Port of the Parley API."),
    sandbox_port: int = typer.Option(8300, help="Port of the Chorus sandbox."),
    meetings: int = typer.Option(250, help="Meetings the sandbox generates."),
    seed: int = typer.Option(42, help="Seed of the sandbox data."),
) -> None:
    """Run the sandbox and the API with a seeded, linked demo account; Ctrl-C stops all."""
    DEMO_DIR.mkdir(exist_ok=True)
    db_file = DEMO_DIR / "demo.db"
    for stale in DEMO_DIR.glob("demo.db*"):
        stale.unlink()
    os.environ.setdefault("PARLEY_DATABASE_URL", f"sqlite+aiosqlite:///{db_file}")
    os.environ.setdefault("PARLEY_KEY_FILE", str(DEMO_DIR / "demo.key"))
    os.environ.setdefault("PARLEY_PUBLIC_URL", f"http://127.0.0.1:{port}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    sandbox = SandboxServer(SandboxConfig(seed=seed, meetings=meetings), port=sandbox_port)
    sandbox.start()
    try:
        settings = demo_settings(Settings(), sandbox.url)
        asyncio.run(_run(settings, sandbox, port))
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        typer.echo("Stopped.")


def demo_settings(settings: Settings, sandbox_url: str) -> Settings:
    """The demo's egress allowlist: its own sandbox (host:port) and nothing else."""
    return settings.model_copy(update={"egress_allow": urlsplit(sandbox_url).netloc})


async def _run(settings: Settings, sandbox: SandboxServer, port: int) -> None:
    from parley.api.app import create_app

    runtime = await Runtime.start(settings)
    try:
        seeded = await runtime.seed_demo(sandbox.url, sandbox.token)
        rules = await add_rules(runtime, seeded.tenant_id, seeded.account_id)
        # Executed in the background at once; the rules' snippets are computed as it stores.
        run, _ = await runtime.sync.create(None, seeded.account_id, trigger="demo")
        config = uvicorn.Config(
            create_app(settings, runtime=runtime), host="127.0.0.1", port=port, log_level="warning"
        )
        server = _Server(config)
        serving = asyncio.create_task(server.serve())
        typer.echo(f"Syncing the sandbox's meetings into Parley ({sandbox.url}) …")
        ready = asyncio.create_task(_first_sync(runtime, seeded, run.id, rules))
        await asyncio.wait({serving, ready}, return_when=asyncio.FIRST_COMPLETED)
        if ready.done():
            typer.echo(_banner(settings, sandbox, seeded, *ready.result()))
        else:  # Ctrl-C before the first sync ended
            ready.cancel()
            await asyncio.gather(ready, return_exceptions=True)
        await serving
    finally:
        await _close(runtime)


async def _first_sync(
    runtime: Runtime, seeded: DemoSeed, run_id: str, rules: tuple[str, ...]
) -> tuple[RunStatus, DemoInsights | None]:
    status = await wait_for_sync(runtime, run_id)
    if status is not RunStatus.COMPLETED:
        return status, None
    return status, await seed_insights(runtime, seeded, seeded.tenant_id, rules)


def _banner(
    settings: Settings,
    sandbox: SandboxServer,
    seeded: DemoSeed,
    status: RunStatus,
    insights: DemoInsights | None,
) -> str:
    base = settings.public_url.rstrip("/")
    api, account = f"{base}/unified/conversational-intelligence", seeded.account_id
    key = f'-H "Authorization: Bearer {seeded.api_key}"'
    lines = [
        "",
        "Parley demo is running. Ctrl-C stops everything.",
        f"  Chorus sandbox     {sandbox.url}   (token {sandbox.token})",
        f"  Parley API         {base}",
        f"  API docs           {base}/docs",
        f"  Link page          {base}/link/{seeded.link_token}",
        f"  Integrated account {account}",
        f"  API key            {seeded.api_key}",
        f"  First sync         {status.value}   (GET {base}/sync-runs)",
    ]
    if insights is not None:
        lines += [
            f"  Scoped token       {insights.scoped_token}",
            f"                     (read-only, 24 h, as demo-member {insights.member})",
        ]
    if insights is not None:
        lines += [
            "",
            "Pages (open in a browser; the token becomes a cookie):",
            *_pages(base, account, insights),
        ]
    lines += [
        "",
        "Try:",
        f"  curl {key} \\",
        f'    "{api}/meetings?integrated_account_id={account}&limit=5"',
    ]
    if insights is not None:
        scoped = f'-H "Authorization: Bearer {insights.scoped_token}"'
        contact = f"{base}/crm/contacts/{insights.contact_id}/activities"
        tries = [
            (
                "the member's meetings only",
                scoped,
                f"{api}/meetings?integrated_account_id={account}&source=store&limit=5",
            ),
            ("snippets (Bugs, Competitors, Pricing)", key, f"{base}/insights/snippets?limit=3"),
            ("deals at risk", key, f"{base}/insights/deals?integrated_account_id={account}"),
            (
                "team analytics",
                key,
                f"{base}/insights/analytics?integrated_account_id={account}&group_by=user",
            ),
            (
                "a contact's call log",
                key,
                f"{contact}?integrated_account_id={account}&limit=5",
            ),
        ]
        for what, header, url in tries:
            lines += [f"  # {what}", f"  curl {header} \\", f'    "{url}"']
    return "\n".join([*lines, ""])


def _pages(base: str, account: str, insights: DemoInsights) -> list[str]:
    member, manager = insights.scoped_token, insights.manager_token
    pages = []
    if insights.playback_meeting_id is not None:
        meeting = insights.playback_meeting_id
        pages.append(
            ("Playback (member)", f"meetings/{meeting}?integrated_account_id={account}", member)
        )
    pages += [
        ("Dashboard (manager)", f"dashboard?integrated_account_id={account}", manager),
        ("Snippets (manager)", "snippets", manager),
        ("Coaching library", "library", manager),
    ]
    return [
        f"  {what:<20} {base}/app/{path}{'&' if '?' in path else '?'}token={token}"
        for what, path, token in pages
    ]


class _Server(uvicorn.Server):
    """Ctrl-C and SIGTERM stop the server gracefully and end the demo right there."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn's own version raises the signal again once it has stopped, for asyncio to
        # cancel the demo while the database closes: a traceback instead of a clean stop.
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _STOP}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


async def _close(runtime: Runtime) -> None:
    """Close the runtime to its end: uvicorn hands Ctrl-C back to asyncio once it has stopped,
    which cancels this task while the database closes (a logged traceback, not a clean stop).
    """
    closing = asyncio.ensure_future(runtime.close())
    while not closing.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(closing)
    closing.result()
