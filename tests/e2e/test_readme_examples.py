"""The README's runnable examples, run as a reader would: copied into a file and executed
against a live server (so a renamed SDK call or a changed answer breaks this, not a user)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_stack import Stack, synced_stack

from parley.sandbox.config import SandboxConfig

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block(section: str, language: str = "python") -> str:
    """The first fenced `language` block under the README heading `section`."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    found = re.search(rf"```{language}\n(.*?)```", text[start : end if end > 0 else None], re.S)
    assert found is not None, f"no {language} block under '## {section}'"
    return found.group(1)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    tmp = tmp_path_factory.mktemp("readme")
    with synced_stack("sqlite", tmp, None, SandboxConfig(seed=3, meetings=40)) as running:
        yield running


def test_the_sdk_example_runs_and_prints_what_it_promises(
    live: tuple[Stack, str], tmp_path: Path
) -> None:
    stack, _ = live
    script = tmp_path / "example.py"
    script.write_text(readme_block("Python SDK"), encoding="utf-8")
    env = {**os.environ, "PARLEY_API_URL": stack.url, "PARLEY_API_KEY": stack.api_key}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"40 stored meetings; the latest: .+", lines[0]), done.stdout
    assert any(line.startswith("talk ratio: 0.") for line in lines), done.stdout
    assert lines[-1].startswith("404 meeting_not_found "), done.stdout
