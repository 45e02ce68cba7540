"""Scale mode needs PostgreSQL: without it, the runtime, the worker and the limiter say so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from parley.config import Settings
from parley.errors import ParleyError
from parley.runtime import Runtime
from parley.storage.rate_budgets import PostgresRateLimiter


def test_worker_on_sqlite_exits_with_a_clear_error(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PARLEY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'parley.db'}",
        "PARLEY_KEY_FILE": str(tmp_path / "parley.key"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "parley.cli", "worker"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "Scale mode needs PostgreSQL" in result.stderr
    assert "PARLEY_DATABASE_URL=postgresql://" in result.stderr
    assert not (tmp_path / "parley.db").exists()


async def test_the_shared_limiter_refuses_sqlite(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'parley.db'}")
    try:
        with pytest.raises(ParleyError) as caught:
            PostgresRateLimiter(engine, 1.0)
    finally:
        await engine.dispose()

    assert caught.value.code == "scale_mode_needs_postgresql"


async def test_the_runtime_refuses_scale_mode_on_sqlite_before_making_a_file(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "scale.db"
    scale = settings.model_copy(
        update={"mode": "scale", "database_url": f"sqlite+aiosqlite:///{path}"}
    )

    with pytest.raises(ParleyError) as caught:
        await Runtime.start(scale)

    assert caught.value.code == "scale_mode_needs_postgresql"
    assert not path.exists()
