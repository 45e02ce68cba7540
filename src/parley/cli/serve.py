"""`parley serve`: the API server (migrates the database on start)."""

from __future__ import annotations

import logging

import typer
import uvicorn

from parley.config import Settings

__all__ = ["serve"]


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Run the Parley API (settings from PARLEY_* environment variables)."""
    from parley.api.app import create_app

    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower())
