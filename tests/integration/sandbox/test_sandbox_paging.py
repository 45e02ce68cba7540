"""`/v3/engagements`: continuation-key paging and filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from parley.sandbox import SandboxConfig, SandboxServer

Collect = Callable[..., list[dict[str, Any]]]
KEY = re.compile(r"^\d+\.\d+ [0-9A-F]{32}$")


@pytest.fixture(scope="module")
def everything(
    sandbox: SandboxServer, collect: Collect, connect: Callable[..., httpx.Client]
) -> list[dict[str, Any]]:
    with connect(sandbox.url, sandbox.token) as http:
        return collect(http)


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_paging_covers_every_meeting_once_newest_first(
    client: httpx.Client, sandbox: SandboxServer
) -> None:
    rows: list[dict[str, Any]] = []
    sizes: list[int] = []
    params: dict[str, str] = {}
    while True:
        body = client.get("/v3/engagements", params=params).json()
        sizes.append(len(body["engagements"]))
        if not body["engagements"]:
            break
        last = body["engagements"][-1]
        assert body["continuation_key"] == f"{float(last['date_time'])} {last['engagement_id']}"
        assert KEY.match(body["continuation_key"])
        rows.extend(body["engagements"])
        params = {"continuation_key": body["continuation_key"]}

    assert sizes == [100, 100, 50, 0]
    ids = [r["engagement_id"] for r in rows]
    assert len(ids) == len(set(ids)) == sandbox.config.meetings
    keys = [(r["date_time"], r["engagement_id"]) for r in rows]
    assert keys == sorted(keys, reverse=True)
    anchor = sandbox.config.anchor.timestamp()
    assert anchor - 2 * 86_400 < rows[0]["date_time"] < anchor
    assert anchor - 190 * 86_400 < rows[-1]["date_time"]


def test_last_page_has_no_key_by_default(client: httpx.Client, everything: list[Any]) -> None:
    last = everything[-1]
    key = f"{float(last['date_time'])} {last['engagement_id']}"

    assert client.get("/v3/engagements", params={"continuation_key": key}).json() == {
        "engagements": []
    }


@pytest.mark.parametrize(("mode", "expected"), [("echo", "sent"), ("null", None)])
def test_last_page_key_is_configurable(
    mode: str, expected: str | None, connect: Callable[..., httpx.Client]
) -> None:
    config = SandboxConfig(meetings=3, last_page=mode)  # type: ignore[arg-type]
    with SandboxServer(config) as server, connect(server.url, server.token) as http:
        key = http.get("/v3/engagements").json()["continuation_key"]
        body = http.get("/v3/engagements", params={"continuation_key": key}).json()

    assert body["engagements"] == []
    assert body["continuation_key"] == (key if expected == "sent" else None)


@pytest.mark.parametrize("as_epoch", [False, True])
def test_date_window_is_inclusive_and_accepts_iso_or_epoch(
    client: httpx.Client, collect: Collect, everything: list[dict[str, Any]], as_epoch: bool
) -> None:
    low, high = everything[120]["date_time"], everything[30]["date_time"]
    params = (
        {"min_date": str(low), "max_date": str(high)}
        if as_epoch
        else {"min_date": _iso(low), "max_date": _iso(high)}
    )

    rows = collect(client, **params)

    assert [r["engagement_id"] for r in rows] == [r["engagement_id"] for r in everything[30:121]]


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"engagement_type": "dialer"}, lambda r: r["engagement_type"] == "dialer"),
        ({"engagement_type": "email"}, lambda r: False),
        ({"min_duration": "1800"}, lambda r: r["duration"] >= 1800),
        ({"max_duration": "600"}, lambda r: r["duration"] <= 600),
        ({"compliance": "NON-COMPLIANT"}, lambda r: r["compliance"] == "non-compliant"),
        ({"disposition_voicemail": "true"}, lambda r: r["disposition_voicemail"]),
    ],
)
def test_filters_select_matching_rows(
    client: httpx.Client,
    collect: Collect,
    everything: list[dict[str, Any]],
    params: dict[str, str],
    keep: Callable[[dict[str, Any]], bool],
) -> None:
    expected = [r["engagement_id"] for r in everything if keep(r)]

    rows = collect(client, **params)

    assert [r["engagement_id"] for r in rows] == expected


def test_user_and_team_filters_take_comma_lists(
    client: httpx.Client, collect: Collect, everything: list[dict[str, Any]]
) -> None:
    users = client.get("/v3/users").json()
    reps = [u for u in users if u["role"] == "rep"][:2]
    team = reps[0]["team_ids"][0]
    members = {u["id"] for u in users if team in u["team_ids"]}
    wanted = {reps[0]["id"], reps[1]["id"]}

    by_user = collect(client, user_id=",".join(str(i) for i in wanted))
    by_team = collect(client, team_id=str(team))

    assert by_user
    assert {r["user_id"] for r in by_user} <= wanted
    assert len(by_user) == sum(1 for r in everything if r["user_id"] in wanted)
    assert by_team
    assert len(by_team) == sum(1 for r in everything if r["user_id"] in members)


def test_participant_email_filter(
    client: httpx.Client, collect: Collect, everything: list[dict[str, Any]]
) -> None:
    guest = next(p for p in everything[5]["participants"] if p["type"] == "cust")["email"]

    rows = collect(client, participants_email=guest.upper())

    expected = [r for r in everything if guest in {p["email"] for p in r["participants"]}]
    assert [r["engagement_id"] for r in rows] == [r["engagement_id"] for r in expected]


def test_engagement_id_filter_fetches_a_batch(
    client: httpx.Client, everything: list[dict[str, Any]]
) -> None:
    wanted = [everything[k]["engagement_id"] for k in (200, 3, 77)]

    body = client.get("/v3/engagements", params={"engagement_id": ",".join(wanted)}).json()

    assert [r["engagement_id"] for r in body["engagements"]] == sorted(
        wanted, key=lambda i: -next(r["date_time"] for r in everything if r["engagement_id"] == i)
    )
