"""`parley demo` as a new user runs it: URLs, keys and curl lines printed (each answers with
real content: the scoped token reads only the member's meetings); Ctrl-C stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


_CURL = re.compile(r'curl -H "Authorization: Bearer (\S+)" \\\n\s+"(http://[^"]+)"')


def _get(token: str, url: str) -> dict[str, Any]:
    answer = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, (url, answer.text)
    body: dict[str, Any] = answer.json()
    return body


def _check_printed_lines(output: str) -> None:
    """Each printed curl line, copy-pasted, answers 200 with what its comment promises."""
    key = re.search(r"API key\s+(prl_\S+)", output)
    member = re.search(r"as demo-member (\S+)\)", output)
    assert key is not None, output
    assert member is not None, output
    curls = _CURL.findall(output)
    assert len(curls) == 6, output
    (_, meetings), (scoped, mine), (_, snippets), (_, deals), (_, analytics), (_, log) = curls
    assert scoped.startswith("pst_")
    assert _get(key.group(1), meetings)["result_count"] == 5
    everyone = _get(key.group(1), mine.replace("limit=5", "limit=100"))["result"]
    theirs = _get(scoped, mine.replace("limit=5", "limit=100"))["result"]
    # The scoped token lists only the member's meetings (owned or attended), and not all.
    assert theirs
    assert len(theirs) < len(everyone)
    for meeting in theirs:
        emails = {(meeting["owner"] or {}).get("email")}
        emails |= {a.get("email") for a in meeting["attendees"]}
        assert member.group(1) in {e.lower() for e in emails if e}, meeting["id"]
    assert _get(key.group(1), snippets)["result"], "the snippet feed is empty"
    assert _get(key.group(1), deals)["result"]
    assert _get(key.group(1), analytics)["totals"]["meetings"] > 0
    assert _get(key.group(1), log)["result"], "the contact's call log is empty"


_PAGE = re.compile(r"^  (Playback|Dashboard|Snippets|Coaching library)\b.*? (http://\S+)$", re.M)


def _check_printed_pages(output: str) -> None:
    """Each printed page link, opened as a browser would (cookies, redirects), shows its page
    with the demo's content, and the token leaves the address bar."""
    pages = dict(_PAGE.findall(output))
    assert set(pages) == {"Playback", "Dashboard", "Snippets", "Coaching library"}, output
    html = {}
    for name, url in pages.items():
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            answer = browser.get(url)
            assert answer.status_code == 200, (name, answer.text[:500])
            assert "token=" not in str(answer.url), answer.url
            assert browser.cookies, "the token became a cookie"
            html[name] = answer.text
    assert "<audio" in html["Playback"]
    assert "Nice: you let the customer finish" in html["Playback"], "the seeded comment"
    assert html["Dashboard"].count("<tr") > 3, "the rep table has rows"
    assert "<mark>" in html["Snippets"], "snippets with their highlight"
    assert "Pricing conversations" in html["Coaching library"]
    assert html["Coaching library"].count("/app/meetings/") >= 2, "the playlist's items play"


def test_demo_serves_the_printed_curl_lines_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port, sandbox_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    command = [sys.executable, "-m", "parley.cli", "demo", "--port", str(port)]
    command += ["--sandbox-port", str(sandbox_port), "--meetings", "40"]
    demo = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = ""
    try:
        assert demo.stdout is not None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # the block ends with an empty line after "Try:"
            line = demo.stdout.readline()
            if not line:
                break
            output += line
            if "Try:" in output and not line.strip():
                break
        assert "First sync         completed" in output, output
        _check_printed_lines(output)
        _check_printed_pages(output)
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
