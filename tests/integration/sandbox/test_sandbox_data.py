"""The generated data: deterministic, realistic and internally consistent."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from parley.sandbox import SandboxConfig, SandboxServer
from parley.sandbox.config import default_token
from parley.sandbox.dialogue import BACKCHANNEL, CLOSING, DEMO, DISCOVERY, OPENING
from parley.sandbox.people import COMPETITORS, INTEGRATIONS
from parley.sandbox.state import SandboxState
from parley.sandbox.trackers import TRACKERS

ANCHOR = datetime.fromisoformat("2026-03-02T00:00:00+00:00")
SELLER = "@brightwave.example"
Connect = Callable[..., httpx.Client]


def _keywords() -> dict[str, set[str]]:
    """Tracker name -> the words its mentions may point at."""
    found: dict[str, set[str]] = {}
    for tracker in TRACKERS:
        words: set[str] = set()
        for line in tracker.rep_lines + tracker.cust_lines:
            for keyword in re.findall(r"\[\[(.+?)\]\]", line):
                if "{competitor}" in keyword:
                    words.update(keyword.replace("{competitor}", c) for c in COMPETITORS)
                elif "{integration}" in keyword:
                    words.update(keyword.replace("{integration}", i) for i in INTEGRATIONS)
                else:
                    words.add(keyword)
        found[tracker.name] = words
    return found


def _get(http: httpx.Client, path: str, **params: str) -> Any:
    return http.get(path, params=params).raise_for_status().json()


@pytest.fixture(scope="module")
def page(sandbox: SandboxServer, connect: Connect) -> list[dict[str, Any]]:
    with connect(sandbox.url, sandbox.token) as http:
        rows: list[dict[str, Any]] = _get(http, "/v3/engagements", with_trackers="true")[
            "engagements"
        ]
    return rows


def test_same_seed_gives_the_same_data(
    sandbox: SandboxServer, client: httpx.Client, connect: Connect, page: list[dict[str, Any]]
) -> None:
    done = next(r for r in page if r["processing_state"] == "done" and not r["no_show"])
    path = f"/api/v1/conversations/{done['engagement_id']}"

    with SandboxServer(SandboxConfig(anchor=ANCHOR)) as twin, connect(twin.url, twin.token) as http:
        assert twin.token == sandbox.token == default_token(42)
        twin_page = _get(http, "/v3/engagements", with_trackers="true")["engagements"]
        twin_detail = _get(http, path)
        twin_url = twin.url

    assert twin_page == [r | {"url": r["url"].replace(sandbox.url, twin_url)} for r in page]
    assert twin_detail == _get(client, path)


def test_another_seed_gives_other_data(connect: Connect, page: list[dict[str, Any]]) -> None:
    with SandboxServer(SandboxConfig(seed=7, anchor=ANCHOR)) as other:
        assert other.token != default_token(42)
        with connect(other.url, other.token) as http:
            other_page = _get(http, "/v3/engagements")["engagements"]

    assert {r["engagement_id"] for r in other_page}.isdisjoint(r["engagement_id"] for r in page)


def test_transcripts_agree_with_clusters_trackers_and_rows(
    client: httpx.Client, page: list[dict[str, Any]]
) -> None:
    keywords = _keywords()
    checked = 0
    for row in page[:25]:
        attributes = _get(client, f"/api/v1/conversations/{row['engagement_id']}")["data"][
            "attributes"
        ]
        recording = attributes["recording"]
        utterances = recording["utterances"]
        if attributes["status"] != "done":
            assert utterances == []
            assert recording["clusters"] == []
            continue
        checked += 1
        assert 30 <= len(utterances) <= 200
        assert [u["index"] for u in utterances] == list(range(len(utterances)))
        clusters = {c["id"]: c for c in recording["clusters"]}
        talk: Counter[int] = Counter()
        end = 0.0
        for u in utterances:
            cluster = clusters[u["participant"]]
            assert (u["speaker_name"], u["speaker_type"]) == (
                cluster["speaker_name"],
                cluster["type"],
            )
            assert u["snippet_word_count"] == len(u["snippet"].split())
            assert u["snippet_time"] >= end - 0.011  # no overlap, in order
            end = u["snippet_time"] + u["snippet_length"]
            talk[u["participant"]] += u["snippet_length"]
        assert end <= recording["duration"] + 0.01
        for cid, cluster in clusters.items():
            ranges = cluster["ranges"]
            assert abs(sum(r["talk_time"] for r in ranges) - talk[cid]) < 0.05
            assert all(r["talk_time"] <= r["length"] + 0.011 for r in ranges)
        names = {p["name"] for p in attributes["participants"]}
        assert {c["speaker_name"] for c in clusters.values() if c["type"] != "unknown"} <= names
        matches = {m["name"]: m["num_matches"] for m in row["tracker_matches"]}
        assert {t["name"]: t["count"] for t in recording["trackers"]} == matches
        for tracker in recording["trackers"]:
            assert len(tracker["mentions"]) == tracker["count"]
            for mention in tracker["mentions"]:
                snippet = utterances[mention["utterance"]]["snippet"]
                assert any(
                    snippet.startswith(w, mention["offset"]) for w in keywords[tracker["name"]]
                )
    assert checked >= 15


def test_filler_lines_never_trigger_a_tracker() -> None:
    words = {w.lower() for ws in _keywords().values() for w in ws}
    lines = [
        line for phase in (OPENING, DISCOVERY, DEMO, CLOSING) for side in phase for line in side
    ]
    lines += BACKCHANNEL

    assert not [line for line in lines for w in words if w in line.lower()]


def test_org_looks_like_a_sales_team(client: httpx.Client) -> None:
    users = _get(client, "/v3/users")
    teams = _get(client, "/api/v1/teams")["data"]
    by_id = {u["id"]: u for u in users}

    assert len(users) == 12
    assert len(teams) == 3
    assert all(u["email"].endswith(SELLER) for u in users)
    assert Counter(u["role"] for u in users) == {"admin": 1, "manager": 3, "rep": 8}
    assert sum(u["invalidated"] for u in users) == 1
    for team in teams:
        manager = by_id[team["attributes"]["manager"]]
        assert manager["role"] == "manager"
        assert int(team["id"]) in manager["team_ids"]
        assert all(int(team["id"]) in by_id[m]["team_ids"] for m in team["attributes"]["users"])
    assert all(by_id[u["manager_id"]]["role"] == "manager" for u in users if u["role"] == "rep")


def test_meetings_look_like_sales_calls() -> None:
    state = SandboxState(SandboxConfig(anchor=ANCHOR))
    meetings = list(state.store.newest_first())
    statuses = Counter(m.status for m in meetings)
    kinds = Counter(m.kind for m in meetings)

    assert statuses["done"] > 0.85 * len(meetings)
    assert statuses["no show"] > 0
    assert 0.05 < kinds["dialer"] / len(meetings) < 0.3
    assert any(m.audio_only and m.kind == "meeting" for m in meetings)
    assert len({m.company.name for m in meetings}) > 10
    for m in meetings:
        assert all(not g.email.endswith(SELLER) for g in m.guests)
        assert (m.summary is not None) == (m.status == "done")
        assert (m.action_items is not None) == (m.status == "done")
        assert m.owner.active_at(m.start_dt)


def test_thousands_of_meetings_are_generated_lazily() -> None:
    state = SandboxState(SandboxConfig(meetings=5000, anchor=ANCHOR))
    store = state.store

    assert len(store) == 5000
    first = next(iter(store.newest_first()))
    middle = next(iter(store.newest_first(after=(float(first.start), first.id))))
    assert middle.index == 1
    assert len(store._facts) <= 2
    assert len(store._transcripts) == 0
