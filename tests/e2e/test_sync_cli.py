"""`parley sync ACCOUNT_ID` as a script calls it: syncs, prints a summary, exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.security import generate_secret_key

PARLEY = [sys.executable, "-m", "parley.cli"]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PARLEY, *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )


def test_sync_cli_syncs_an_account_and_prints_a_summary(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PARLEY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "PARLEY_SECRET_KEY": generate_secret_key(),
        "PARLEY_CHORUS_RATE_LIMIT": "200",
    }
    with SandboxServer(SandboxConfig(seed=4, meetings=30)) as sandbox:
        env["PARLEY_EGRESS_ALLOW"] = urlsplit(sandbox.url).netloc
        linked = _run(
            env, "accounts", "link", "--tenant", "acme", "--token", sandbox.token,
            "--base-url", sandbox.url,
        )  # fmt: skip
        assert linked.returncode == 0, linked.stderr
        account_id = linked.stdout.strip().splitlines()[-1]
        first = _run(env, "sync", account_id)
        again = _run(env, "sync", account_id, "--full")
        missing = _run(env, "sync", "no-such-account")

    assert first.returncode == 0, first.stderr
    assert "completed" in first.stdout
    assert "30 listed, 30 created" in first.stdout
    assert again.returncode == 0, again.stderr
    assert "0 created, 0 updated, 30 unchanged" in again.stdout
    assert missing.returncode == 1
    assert "integrated_account_not_found" in missing.stderr
    assert sandbox.token not in first.stdout + first.stderr
