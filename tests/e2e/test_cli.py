"""The CLI as scripts call it: keys, accounts, serve settings."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.security import generate_secret_key

PARLEY = [sys.executable, "-m", "parley.cli"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=3, meetings=20)) as server:
        yield server


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PARLEY, *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )


def test_keys_accounts_and_secrets_commands(tmp_path: Path, sandbox: SandboxServer) -> None:
    env = {
        **os.environ,
        "PARLEY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "PARLEY_SECRET_KEY": generate_secret_key(),
        "PARLEY_EGRESS_ALLOW": urlsplit(sandbox.url).netloc,
    }
    created = run(env, "keys", "create", "--tenant", "acme")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("prl_")

    linked = run(
        env,
        "accounts",
        "link",
        "--tenant",
        "acme",
        "--token",
        sandbox.token,
        "--base-url",
        sandbox.url,
    )
    assert linked.returncode == 0, linked.stderr
    listed = run(env, "accounts", "list", "--tenant", "acme")
    assert linked.stdout.strip() in listed.stdout
    assert sandbox.token not in listed.stdout + listed.stderr + linked.stderr

    refused = run(
        env,
        "accounts",
        "link",
        "--tenant",
        "acme",
        "--token",
        "nope-not-valid",
        "--base-url",
        sandbox.url,
    )
    assert refused.returncode == 1
    assert "nope-not-valid" not in refused.stderr

    env["PARLEY_SECRET_KEY"] = f"{generate_secret_key()},{env['PARLEY_SECRET_KEY']}"
    rotated = run(env, "secrets", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    env["PARLEY_SECRET_KEY"] = env["PARLEY_SECRET_KEY"].split(",")[0]
    after = run(env, "accounts", "list", "--tenant", "acme")
    assert after.returncode == 0, after.stderr
    assert linked.stdout.strip() in after.stdout


def test_accounts_link_refuses_a_base_url_outside_the_egress_policy(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    env = {
        **os.environ,
        "PARLEY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "PARLEY_SECRET_KEY": generate_secret_key(),
        "PARLEY_EGRESS_ALLOW": "",
    }
    refused = run(
        env, "accounts", "link", "--tenant", "acme", "--token", sandbox.token,
        "--base-url", sandbox.url,
    )  # fmt: skip
    assert refused.returncode == 1
    assert "is a loopback address. (egress_refused)" in refused.stderr
    assert sandbox.token not in refused.stderr
