"""Keyword rules and the snippet feed end to end: real sync, real HTTP, both backends.

A sandbox account is synced by the real engine; rules are created over HTTP and their
backfills run in the API process (embedded mode) until `backfill.status` is `completed`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_stack import (
    BACKENDS,
    Stack,
    run_async,
    synced_stack,
)
from sqlalchemy import func, select

from parley.insights.keywords import normalise_text
from parley.sandbox.config import SandboxConfig
from parley.storage import Database, Event, StoredMeeting, StoredTranscriptEntry

RULES = "/insights/keyword-rules"
FEED = "/insights/snippets"


async def _entries(stack: Stack) -> list[tuple[str, int, str, float | None, float | None]]:
    async with Database(stack.api.settings.database_url) as db, db.session() as session:
        rows = await session.execute(
            select(
                StoredTranscriptEntry.meeting_id,
                StoredTranscriptEntry.index,
                StoredTranscriptEntry.text,
                StoredTranscriptEntry.start_time,
                StoredTranscriptEntry.end_time,
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def _with_details(stack: Stack) -> int:
    async with Database(stack.api.settings.database_url) as db, db.session() as session:
        query = select(func.count()).where(StoredMeeting.has_details.is_(True))
        return int(await session.scalar(query) or 0)


async def _matched_events(stack: Stack) -> list[dict[str, Any]]:
    async with Database(stack.api.settings.database_url) as db, db.session() as session:
        rows = await session.scalars(select(Event).where(Event.type == "keyword.matched"))
        return [e.payload["data"] for e in rows]


@pytest.fixture(scope="module", params=BACKENDS)
def synced(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[tuple[Stack, str]]:
    """A stack whose account is fully synced from a 60-meeting sandbox."""
    tmp = tmp_path_factory.mktemp("rules-stack")
    with synced_stack(request.param, tmp, postgres_server, SandboxConfig(seed=5, meetings=60)) as (
        stack,
        account,
    ):
        yield stack, account


def _completed(client: httpx.Client, rule_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        rule = client.get(f"{RULES}/{rule_id}").json()
        if rule["backfill"]["status"] in ("completed", "failed"):
            assert rule["backfill"]["status"] == "completed", rule
            return dict(rule)
        assert time.monotonic() < deadline, rule
        time.sleep(0.05)


def _feed(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"next_cursor": cursor} if cursor else {})}
        response = client.get(FEED, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += body["result"]
        if (cursor := body["next_cursor"]) is None:
            return seen


def _said_once(stack: Stack) -> tuple[str, str, int, float, float]:
    entries = run_async(_entries(stack))
    seen: Counter[str] = Counter()
    where: dict[str, tuple[str, int, float, float]] = {}
    for meeting_id, index, text, start, end in entries:
        for word in set(normalise_text(text).split()):
            seen[word] += 1
            where[word] = (meeting_id, index, start or 0.0, end or 0.0)
    once = sorted(w for w, n in seen.items() if n == 1 and len(w) >= 7 and w.isalpha())
    assert once
    return once[0], *where[once[0]]


def test_a_phrase_said_once_gives_one_snippet_at_that_second(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    word, meeting_id, index, start, end = _said_once(stack)
    with stack.client() as client:
        created = client.post(RULES, json={"name": "Once", "phrases": [word]})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["backfill"]["status"] in ("queued", "running", "completed")
        assert (body["speaker_type"], body["context_seconds"]) == ("any", 15.0)
        assert body["integrated_account_id"] is None
        rule = _completed(client, body["id"])
        snippets = _feed(client, rule_id=rule["id"], limit=10)
        meeting = client.get(
            f"/unified/conversational-intelligence/meetings/{meeting_id}",
            params={"integrated_account_id": account, "source": "store"},
        ).json()
    assert rule["backfill"]["meetings_scanned"] == run_async(_with_details(stack))
    assert rule["backfill"]["snippets"] == 1
    [snippet] = snippets
    assert (snippet["meeting_id"], snippet["entry_indexes"]) == (meeting_id, [index])
    assert snippet["start_time"] == round(max(0.0, start - 15), 3)
    assert snippet["end_time"] == round(min(end + 15, meeting["duration"]), 3)
    assert snippet["rule_name"] == "Once"
    assert snippet["integrated_account_id"] == account
    assert snippet["meeting_title"] == meeting["title"]
    assert snippet["phrases"] == [word]
    assert "<mark>" in snippet["highlight"]
    assert index in [c["index"] for c in snippet["context"]]
    assert all(c["end_time"] > snippet["start_time"] for c in snippet["context"])
    assert snippet["playback_url"].startswith(f"{stack.url}/unified/")
    assert set(snippet) == {
        "id", "rule_id", "rule_name", "integrated_account_id", "meeting_id", "meeting_title",
        "meeting_start_time", "phrases", "entry_indexes", "speaker_name", "speaker_type",
        "user_id", "start_time", "end_time", "text", "highlight", "context", "playback_url",
        "created_at",
    }  # fmt: skip
    # A backfill sends no event by default.
    assert not [e for e in run_async(_matched_events(stack)) if e["rule_id"] == rule["id"]]


def test_typographic_apostrophes_match_and_the_feed_pages_newest_meeting_first(
    synced: tuple[Stack, str],
) -> None:
    stack, _ = synced
    with stack.client() as client:
        body = client.post(
            RULES, json={"name": "Bugs", "phrases": ["doesn't work", "bug"], "speaker_type": "any"}
        ).json()
        rule = _completed(client, body["id"])
        whole = _feed(client, rule_id=rule["id"], limit=100)
        paged = _feed(client, rule_id=rule["id"], limit=3)
        refused = client.get(FEED, params={"rule_id": "other", "next_cursor": "x.y"})
        unknown = client.get(FEED, params={"colour": "red"})
    assert whole
    assert [s["id"] for s in paged] == [s["id"] for s in whole]
    assert len({s["id"] for s in whole}) == len(whole) == rule["backfill"]["snippets"]
    order = [(s["meeting_start_time"], s["meeting_id"]) for s in whole]
    assert order == sorted(order, reverse=True)
    typographic = [s for s in whole if "doesn\u2019t work" in s["text"]]
    assert typographic
    assert all("doesn't work" in s["phrases"] for s in typographic)
    assert (refused.status_code, refused.json()["error"]["param"]) == (400, "next_cursor")
    assert (unknown.status_code, unknown.json()["error"]["param"]) == (400, "colour")


def test_notify_backfill_sends_one_event_per_snippet(synced: tuple[Stack, str]) -> None:
    stack, _ = synced
    with stack.client() as client:
        body = client.post(
            RULES, json={"name": "Integrations", "phrases": ["integrat*"], "notify_backfill": True}
        ).json()
        rule = _completed(client, body["id"])
        snippets = _feed(client, rule_id=rule["id"], limit=100)
    events = [e for e in run_async(_matched_events(stack)) if e["rule_id"] == rule["id"]]
    assert snippets
    assert sorted(e["id"] for e in events) == sorted(s["id"] for s in snippets)


def test_patch_rescans_keeping_ids_and_delete_removes_snippets(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    with stack.client() as client:
        body = client.post(RULES, json={"name": "Pricing", "phrases": ["pricing"]}).json()
        first = _completed(client, body["id"])
        before = {s["id"] for s in _feed(client, rule_id=first["id"], limit=100)}
        patched = client.patch(
            f"{RULES}/{first['id']}", json={"context_seconds": 30, "integrated_account_id": account}
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["integrated_account_id"] == account
        again = _completed(client, first["id"])
        after = _feed(client, rule_id=first["id"], limit=100)
        renamed = client.patch(f"{RULES}/{first['id']}", json={"name": "Price talk"}).json()
        client.post(RULES, json={"name": "Spare", "phrases": ["spare"], "enabled": False})
        listed = client.get(RULES, params={"limit": 1}).json()
        following = client.get(RULES, params={"limit": 1, "next_cursor": listed["next_cursor"]})
        deleted = client.delete(f"{RULES}/{first['id']}")
        gone = client.get(f"{RULES}/{first['id']}")
        left = _feed(client, rule_id=first["id"], limit=100)
        other = stack.new_tenant_key(f"other-{os.getpid()}")
    assert before
    assert {s["id"] for s in after} == before
    assert again["backfill"]["snippets"] == len(before)
    assert renamed["backfill"]["status"] == "completed"  # a rename re-scans nothing
    assert listed["result_count"] == 1
    assert listed["next_cursor"]
    assert following.status_code == 200
    assert following.json()["result"][0]["id"] != listed["result"][0]["id"]
    assert deleted.status_code == 200
    assert gone.status_code == 404
    assert left == []
    with stack.client(other) as client:
        assert client.get(RULES).json()["result"] == []
        assert client.get(FEED).json()["result"] == []
        foreign = client.get(FEED, params={"integrated_account_id": account})
        assert foreign.status_code == 404
        assert foreign.json()["error"]["code"] == "integrated_account_not_found"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"name": "x", "phrases": ["fine", "a*b"]}, "phrases[1]"),
        ({"name": "x", "phrases": ["fine", "  "]}, "phrases[1]"),
        ({"name": "x", "phrases": []}, "phrases"),
        ({"name": "x", "phrases": "bug"}, "phrases"),
        ({"name": "", "phrases": ["bug"]}, "name"),
        ({"phrases": ["bug"]}, "name"),
        ({"name": "x", "phrases": ["bug"], "speaker_type": "customer"}, "speaker_type"),
        ({"name": "x", "phrases": ["bug"], "context_seconds": 121}, "context_seconds"),
        (
            {"name": "x", "phrases": ["bug"], "integrated_account_id": "nope"},
            "integrated_account_id",
        ),
        ({"name": "x", "phrases": ["bug"], "colour": "red"}, "colour"),
    ],
)
def test_invalid_rules_answer_400_naming_the_field(
    synced: tuple[Stack, str], body: dict[str, Any], param: str
) -> None:
    stack, _ = synced
    with stack.client() as client:
        response = client.post(RULES, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


def test_cli_adds_lists_and_shows_snippets(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    settings = stack.api.settings
    env = {
        **os.environ,
        "PARLEY_DATABASE_URL": settings.database_url,
        "PARLEY_SECRET_KEY": settings.secret_key.get_secret_value() if settings.secret_key else "",
        "PARLEY_PUBLIC_URL": stack.url,
        "COLUMNS": "200",
    }

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "parley.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    added = cli("rules", "add", "Guests on bugs", "--phrase", "bug", "--phrase", "doesn't work",
                "--account", account, "--speaker", "guest")  # fmt: skip
    assert "backfill completed" in added
    rule_id = added.split()[1]
    assert "Guests on bugs" in cli("rules", "list", "--tenant", "acme")
    shown = cli("snippets", "--rule", rule_id, "--limit", "5", "--tenant", "acme")
    assert "snippet(s), newest meeting first" in shown
    assert "(guest)" in shown


def test_an_unchanged_resync_keeps_snippet_ids_and_sends_nothing(
    synced: tuple[Stack, str],
) -> None:
    stack, account = synced
    with stack.client() as client:
        body = client.post(RULES, json={"name": "Steps", "phrases": ["next steps"]}).json()
        rule = _completed(client, body["id"])
        before = _feed(client, rule_id=rule["id"], limit=100)
        events = len(run_async(_matched_events(stack)))
        started = client.post(f"/integrated-accounts/{account}/sync", json={"full": True})
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + 60
        run = started.json()
        while run["status"] not in ("completed", "failed"):
            assert time.monotonic() < deadline, run
            time.sleep(0.1)
            run = client.get(f"/sync-runs/{run['id']}").json()
        after = _feed(client, rule_id=rule["id"], limit=100)
    assert run["status"] == "completed", run["errors"]
    assert run["counts"].get("created", 0) == run["counts"].get("updated", 0) == 0
    assert before
    assert after == before
    assert len(run_async(_matched_events(stack))) == events
