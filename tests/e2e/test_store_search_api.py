"""Stored reads (`source=store`), `GET /search` and `parley search` end to end over HTTP.

One synced account per backend: the sandbox's meetings are synced by the real sync engine,
then read back from the store only.
"""

from __future__ import annotations

import os
import subprocess
import sys
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
from sqlalchemy import select

from parley.sandbox.config import SandboxConfig
from parley.storage import Database, StoredMeeting

UNIFIED = "/unified/conversational-intelligence"


async def _stored_ids(stack: Stack, account: str) -> set[str]:
    async with Database(stack.api.settings.database_url) as db, db.session() as session:
        rows = await session.scalars(
            select(StoredMeeting.id).where(StoredMeeting.account_id == account)
        )
        return set(rows)


@pytest.fixture(scope="module", params=BACKENDS)
def synced(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[tuple[Stack, str]]:
    """A stack whose account is fully synced from a 60-meeting sandbox."""
    tmp = tmp_path_factory.mktemp("store-stack")
    with synced_stack(request.param, tmp, postgres_server, SandboxConfig(seed=5, meetings=60)) as (
        stack,
        account,
    ):
        yield stack, account


def pages(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"next_cursor": cursor} if cursor else {})}
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["result_count"] == len(body["result"]) <= params["limit"]
        seen += body["result"]
        if (cursor := body["next_cursor"]) is None:
            return seen


@pytest.mark.parametrize("limit", [7, 500])
def test_store_pages_give_every_stored_meeting_once(synced: tuple[Stack, str], limit: int) -> None:
    stack, account = synced
    params = {"integrated_account_id": account, "source": "store", "limit": limit}
    with stack.client() as client:
        meetings = pages(client, f"{UNIFIED}/meetings", params)
    ids = [m["id"] for m in meetings]
    assert len(ids) == len(set(ids)) == 60
    assert set(ids) == run_async(_stored_ids(stack, account))
    starts = [m["start_time"] for m in meetings]
    assert starts == sorted(starts, reverse=True)
    assert all(m["transcript"] is None for m in meetings)


def test_stored_meeting_has_the_live_shape(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    base = {"integrated_account_id": account, "exclude_fields": "remote_data"}
    with stack.client() as client:
        listed = client.get(
            f"{UNIFIED}/meetings", params={**base, "source": "store", "limit": 20}
        ).json()["result"]
        done = next(m for m in listed if m["status"] == "completed")
        path = f"{UNIFIED}/meetings/{done['id']}"
        stored = client.get(path, params={**base, "source": "store"}).json()
        live = client.get(path, params=base).json()
        transcript = client.get(
            f"{UNIFIED}/transcripts",
            params={"integrated_account_id": account, "meeting_id": done["id"], "source": "store"},
        ).json()["result"][0]
    # Recording links are signed media links minted per read (they expire): same kind of
    # link on both sides, minted for this read; the rest is equal.
    for kind in ("audio_recording_url", "video_recording_url"):
        for meeting in (stored, live):
            link = meeting.pop(kind)
            assert link is None or link.startswith(f"{stack.url}/media/")
    assert stored == live
    assert stored["transcript"]
    assert transcript["entries"] == stored["transcript"]


def test_stored_transcripts_are_paged_with_signed_cursors(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    base = {"integrated_account_id": account, "source": "store"}
    with stack.client() as client:
        listed = client.get(f"{UNIFIED}/meetings", params={**base, "limit": 2}).json()
        q = {**base, "meeting_id": listed["result"][0]["id"]}
        one = client.get(f"{UNIFIED}/transcripts", params={**q, "limit": 1}).json()
        live_cursor = client.get(
            f"{UNIFIED}/meetings", params={"integrated_account_id": account, "limit": 2}
        ).json()["next_cursor"]
        refused = [
            client.get(f"{UNIFIED}/transcripts", params={**q, "next_cursor": cursor})
            for cursor in ("forged.cursor", listed["next_cursor"], live_cursor)
        ]

    assert (one["result_count"], one["next_cursor"]) == (1, None)
    assert one["result"][0]["meeting"] == {"id": q["meeting_id"]}
    assert {(r.status_code, r.json()["error"]["code"]) for r in refused} == {
        (400, "invalid_cursor")
    }


@pytest.mark.parametrize("source", ["live", "store"])
def test_unified_objects_list_id_first_and_remote_data_last(
    synced: tuple[Stack, str], source: str
) -> None:
    stack, account = synced
    q = {"integrated_account_id": account, "source": source}
    with stack.client() as client:
        meetings = client.get(f"{UNIFIED}/meetings", params={**q, "limit": 3}).json()["result"]
        done = next(m for m in meetings if m["status"] == "completed")
        objects = [
            *meetings,
            *client.get(
                f"{UNIFIED}/meetings", params={**q, "limit": 2, "expand": "transcript"}
            ).json()["result"],
            client.get(f"{UNIFIED}/meetings/{done['id']}", params=q).json(),
            *client.get(f"{UNIFIED}/transcripts", params={**q, "meeting_id": done["id"]}).json()[
                "result"
            ],
            *client.get(f"{UNIFIED}/users", params=q).json()["result"],
            *client.get(f"{UNIFIED}/teams", params=q).json()["result"],
        ]

    assert len(objects) > 8
    assert {(next(iter(o)), list(o)[-1]) for o in objects} == {("id", "remote_data")}


def test_store_filters_and_store_only_parameters(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    base = {"integrated_account_id": account, "limit": 500}
    with stack.client() as client:
        calls = pages(client, f"{UNIFIED}/meetings", {**base, "source": "store", "type": "call"})
        live_calls = pages(client, f"{UNIFIED}/meetings", {**base, "type": "call"})
        assert {m["id"] for m in calls} == {m["id"] for m in live_calls}
        for name, value in (("q", "pricing"), ("updated_after", "2020-01-01T00:00:00Z")):
            refused = client.get(f"{UNIFIED}/meetings", params={**base, name: value})
            assert refused.status_code == 400
            assert refused.json()["error"]["param"] == name
        raw = client.get(
            f"{UNIFIED}/meetings", params={**base, "source": "store", "response_format": "raw"}
        )
        assert raw.json()["error"]["param"] == "response_format"
        later = client.get(
            f"{UNIFIED}/meetings",
            params={**base, "source": "store", "updated_after": "2999-01-01T00:00:00Z"},
        ).json()
        assert later["result"] == []


def test_cursor_of_one_source_is_refused_by_the_other(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    base = {"integrated_account_id": account, "limit": 5}
    with stack.client() as client:
        live = client.get(f"{UNIFIED}/meetings", params=base).json()["next_cursor"]
        store = client.get(f"{UNIFIED}/meetings", params={**base, "source": "store"}).json()[
            "next_cursor"
        ]
        on_store = client.get(
            f"{UNIFIED}/meetings", params={**base, "source": "store", "next_cursor": live}
        )
        on_live = client.get(f"{UNIFIED}/meetings", params={**base, "next_cursor": store})
    for response in (on_store, on_live):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_cursor"


def test_store_users_teams_and_tenant_scoping(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    params = {"integrated_account_id": account, "limit": 500}
    with stack.client() as client:
        live_users = client.get(f"{UNIFIED}/users", params=params).json()["result"]
        stored_users = pages(client, f"{UNIFIED}/users", {**params, "source": "store"})
        teams = pages(client, f"{UNIFIED}/teams", {**params, "source": "store", "limit": 1})
        one = client.get(
            f"{UNIFIED}/users/{stored_users[0]['id']}",
            params={"integrated_account_id": account, "source": "store"},
        )
    assert sorted(u["id"] for u in stored_users) == sorted(u["id"] for u in live_users)
    assert teams
    assert one.json() == stored_users[0]
    with stack.client(stack.new_tenant_key("intruder")) as other:
        foreign = other.get(f"{UNIFIED}/meetings", params={**params, "source": "store"})
        search = other.get("/search", params={"q": "pricing", "integrated_account_id": account})
    assert foreign.status_code == search.status_code == 404


def test_search_ranks_highlights_and_links_playback(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    with stack.client() as client:
        for missing in ({}, {"q": "  "}):
            refused = client.get("/search", params=missing)
            assert refused.status_code == 400
            assert refused.json()["error"]["param"] == "q"
        body = client.get("/search", params={"q": "pricing", "limit": 100}).json()
        hits = body["result"]
        assert hits
        assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
        hit = hits[0]
        assert "<mark>" in hit["snippet"].lower()
        assert hit["integrated_account_id"] == account
        assert hit["end_time"] >= hit["start_time"]
        # A signed media link: it plays without the API key.
        assert hit["playback_url"].startswith(f"{stack.url}/media/")
        with httpx.Client(timeout=60) as anonymous:
            played = anonymous.get(hit["playback_url"], follow_redirects=False)
        assert played.status_code == 302
        second = hit["playback_url"].rsplit("t=", 1)[1]
        assert played.headers["location"].endswith(f"#t={second}")
        guests = client.get("/search", params={"q": "pricing", "speaker_type": "guest"}).json()
        assert guests["result"]
        assert all(h["speaker_type"] == "guest" for h in guests["result"])


def _seconds(objects: list[dict[str, Any]], *names: str) -> list[float]:
    return [o[n] for o in objects for n in names if o.get(n) is not None]


def test_seconds_are_answered_to_the_millisecond(synced: tuple[Stack, str]) -> None:
    # The sandbox's transcripts end at `snippet_time + snippet_length` and its speakers talk
    # for sums of ranges: float noise (`2208.3999999999996`) unless rounded.
    stack, account = synced
    q = {"integrated_account_id": account}
    with stack.client() as client:
        hits = client.get("/search", params={"q": "pricing OR budget", "limit": 100}).json()
        seconds = _seconds(hits["result"], "start_time", "end_time")
        for source in ("live", "store"):
            listed = client.get(
                f"{UNIFIED}/meetings",
                params={**q, "source": source, "limit": 5, "expand": "transcript"},
            ).json()["result"]
            seconds += _seconds(listed, "duration")
            for meeting in listed:
                seconds += _seconds(meeting["transcript"] or [], "start_time", "end_time")
                seconds += _seconds(meeting["speakers"] or [], "talk_time")

    assert len(seconds) > 100
    assert [s for s in seconds if round(s, 3) != s] == []


def test_search_pages_hold_every_hit_once(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    params = {"q": "pricing OR budget", "integrated_account_id": account}
    with stack.client() as client:
        whole = pages(client, "/search", {**params, "limit": 100})
        paged = pages(client, "/search", {**params, "limit": 3})
    key = [(h["meeting_id"], h["index"]) for h in whole]
    assert len(key) == len(set(key)) > 3
    assert [(h["meeting_id"], h["index"]) for h in paged] == key


def test_cli_search_prints_ranked_hits(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    settings = stack.api.settings
    env = {
        **os.environ,
        "PARLEY_DATABASE_URL": settings.database_url,
        "PARLEY_SECRET_KEY": settings.secret_key.get_secret_value() if settings.secret_key else "",
        "PARLEY_PUBLIC_URL": stack.url,
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "parley.cli", "search", "pricing", "--account", account],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "hit(s) for 'pricing'" in done.stdout
    assert "ricing" in done.stdout
