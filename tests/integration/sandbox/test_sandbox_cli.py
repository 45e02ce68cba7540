"""`parley sandbox` serves until interrupted and prints the URL and the token.

The command function runs under `typer.run`, as `parley sandbox` runs it once the CLI has
more than one command (Typer runs a lone command as the app itself).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx

from parley.sandbox.config import default_token


def test_cli_prints_url_and_token_then_serves() -> None:
    script = "import typer; from parley.cli.sandbox_cmd import sandbox; typer.run(sandbox)"
    options = ["--port", "0", "--seed", "7", "--meetings", "20", "--faults", "latency=1"]
    options += ["--quirks", "page_overlap=2,repeat_last_key"]
    command = [sys.executable, "-c", script, *options]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        url = lines[0].split()[2]
        token = lines[-1].strip()

        with httpx.Client(verify=False, timeout=60) as http:
            response = http.get(f"{url}/v3/engagements", headers={"Authorization": token})
            info = http.get(f"{url}/_sandbox").json()

        assert token == default_token(7)
        assert response.status_code == 200
        assert len(response.json()["engagements"]) == 20
        assert info["quirks"] == {"page_overlap": 2, "repeat_last_key": True}
        assert info["faults"]["throttle_rate"] == 0.0
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        if process.stdout is not None:
            process.stdout.close()
