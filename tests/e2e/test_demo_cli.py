"""`parley demo` as a new user runs it: URLs, key and a curl line printed; Ctrl-C stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_demo_serves_the_printed_curl_line_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port, sandbox_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    command = [sys.executable, "-m", "parley.cli", "demo", "--port", str(port)]
    command += ["--sandbox-port", str(sandbox_port), "--meetings", "30"]
    demo = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = ""
    try:
        assert demo.stdout is not None
        deadline = time.monotonic() + 120
        while "Try:" not in output and time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            output += line
        output += demo.stdout.readline() + demo.stdout.readline()  # the curl line
        key = re.search(r"API key\s+(prl_\S+)", output)
        url = re.search(r'"(http://127\.0\.0\.1:\d+/unified/[^"]+)"', output)
        assert key is not None, output
        assert url is not None, output
        answer = httpx.get(url.group(1), headers={"Authorization": f"Bearer {key.group(1)}"})
        assert answer.status_code == 200
        assert answer.json()["result_count"] == 5
    finally:
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=60)
        output += rest

    assert demo.returncode == 0, output
    assert output.rstrip().endswith("Stopped.")
    assert "Traceback" not in output, output
    assert "ERROR" not in output, output
    for freed in (port, sandbox_port):  # both servers are gone
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", freed)) != 0
