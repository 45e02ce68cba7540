"""`parley sandbox`: serve the Chorus simulator until Ctrl-C."""

from __future__ import annotations

from typing import Annotated

import typer

from parley.sandbox.config import FaultConfig, QuirkConfig, SandboxConfig
from parley.sandbox.server import bind_socket, serve_forever

__all__ = ["sandbox"]


def sandbox(
    port: Annotated[int, typer.Option(help="TCP port to listen on (0 picks a free one).")] = 8300,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    seed: Annotated[
        int, typer.Option(help="Seed for the synthetic data (same seed, same data).")
    ] = 42,
    meetings: Annotated[int, typer.Option(help="How many meetings to generate.")] = 250,
    faults: Annotated[
        str,
        typer.Option(
            help="Faults to inject, e.g. 'rate=20,retry_after=0,errors=0.2,latency=50,"
            "truncate=0.05,throttle=0.06' (rate: max requests/s per token; errors/truncate/"
            "throttle: shares; throttle answers 429 whatever the rate, Retry-After "
            "throttle_retry_after=1 seconds or =date).",
        ),
    ] = "",
    quirks: Annotated[
        str,
        typer.Option(
            help="Paging quirks, e.g. 'page_overlap=1,repeat_last_key' (a page starts with "
            "the previous page's last N rows; the empty last page echoes the key it got).",
        ),
    ] = "",
) -> None:
    """Run a local Chorus API simulator with seeded sales calls."""
    try:
        fault_config = FaultConfig.parse(faults)
        quirk_config = QuirkConfig.parse(quirks)
        config = SandboxConfig(
            seed=seed, meetings=meetings, faults=fault_config, quirks=quirk_config
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    sock = bind_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    typer.echo(f"Chorus sandbox: http://{shown}:{bound_port}  ({meetings} meetings, seed {seed})")
    typer.echo("Admin: /_sandbox (stats, faults, tokens, meetings). Ctrl-C to stop.")
    typer.echo("API token (send as `Authorization: <token>`):")
    typer.echo(config.token)
    serve_forever(config, sock)
