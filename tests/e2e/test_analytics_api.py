"""`GET /insights/analytics` and `.csv` end to end: a real sync, then reports over HTTP.

Every expected figure is computed here from the sandbox's own data (its meetings, utterances,
talk ranges, tracker mentions, users and teams), never from Parley's stored rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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

from parley.insights.analytics_inputs import meeting_inputs
from parley.sandbox.config import SandboxConfig
from parley.sandbox.meetings import Meeting as SandboxMeeting
from parley.sandbox.trackers import tracker_by_key
from parley.storage import Database, MeetingStats, MeetingTopic
from parley.unified import Meeting

PATH = "/insights/analytics"
UNIFIED = "/unified/conversational-intelligence"


@pytest.fixture(scope="module", params=BACKENDS)
def synced(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[tuple[Stack, str]]:
    """A stack whose account is fully synced from a 60-meeting sandbox."""
    tmp = tmp_path_factory.mktemp("analytics-stack")
    with synced_stack(request.param, tmp, postgres_server, SandboxConfig(seed=7, meetings=60)) as (
        stack,
        account,
    ):
        yield stack, account


# -- what the sandbox says ---------------------------------------------------------------------


@dataclass
class Expected:
    """A row computed from sandbox meetings: pooled sums, then rounded as documented."""

    meetings: int = 0
    duration: float = 0.0
    owner_talk: float = 0.0
    guest_talk: float = 0.0
    total_talk: float = 0.0
    longest: float = 0.0
    topics: dict[str, list[int]] = field(default_factory=dict)

    def add(self, stack: Stack, meeting: SandboxMeeting) -> None:
        transcript = stack.sandbox.state.store.transcript(meeting)
        owner = [s for s in transcript.speakers if s.user_id == meeting.owner.id]
        self.meetings += 1
        self.duration += meeting.duration
        for u in transcript.utterances:
            self.total_talk += u.length
            if u.speaker.type == "cust":
                self.guest_talk += u.length
            if u.speaker in owner:
                self.owner_talk += u.length
        # The sandbox's talk ranges are its runs of consecutive utterances by one speaker.
        for speaker in owner:
            for run in transcript.ranges.get(speaker.cluster_id, ()):
                self.longest = max(self.longest, run.length)
        for key, mentions in transcript.mentions:
            counts = self.topics.setdefault(tracker_by_key(key).name, [0, 0])
            counts[0] += 1
            counts[1] += len(mentions)

    def check(self, row: dict[str, Any]) -> None:
        assert row["meetings"] == self.meetings
        assert row["total_duration"] == pytest.approx(self.duration, abs=1e-3)
        assert row["avg_duration"] == pytest.approx(self.duration / self.meetings, abs=1e-3)
        assert row["talk_ratio"] == pytest.approx(self.owner_talk / self.total_talk, abs=1e-4)
        assert row["customer_talk_ratio"] == pytest.approx(
            self.guest_talk / self.total_talk, abs=1e-4
        )
        assert row["longest_monologue"] == pytest.approx(self.longest, abs=1e-3)
        ranked = sorted(self.topics.items(), key=lambda t: (-t[1][0], t[0]))[:10]
        assert row["topics"] == [
            {"name": name, "meetings": m, "mentions": n} for name, (m, n) in ranked
        ]


def counted(stack: Stack, keep: Callable[[SandboxMeeting], bool] = lambda m: True) -> list[Any]:
    """The sandbox's finished meetings with utterances (what Parley counts)."""
    store = stack.sandbox.state.store
    return [
        m
        for m in store.newest_first()
        if m.status == "done" and store.transcript(m).utterances and keep(m)
    ]


def expected_by(
    stack: Stack, meetings: Iterable[SandboxMeeting], keys: Callable[[SandboxMeeting], list[str]]
) -> dict[str, Expected]:
    rows: dict[str, Expected] = {}
    for meeting in meetings:
        for key in keys(meeting):
            rows.setdefault(key, Expected()).add(stack, meeting)
    return rows


def teams_of(stack: Stack) -> Callable[[SandboxMeeting], list[str]]:
    org = stack.sandbox.state.org

    def keys(meeting: SandboxMeeting) -> list[str]:
        owner = meeting.owner.id
        return sorted(
            str(t.id) for t in org.teams if owner in t.member_ids or t.id in meeting.owner.team_ids
        )

    return keys


def week_of(meeting: SandboxMeeting) -> list[str]:
    day = meeting.start_dt.date()
    monday = day - timedelta(days=day.weekday())
    return [f"{monday.isoformat()}T00:00:00Z"]


def owner_of(meeting: SandboxMeeting) -> list[str]:
    return [str(meeting.owner.id)]


# -- reading Parley ---------------------------------------------------------------------------


def report(client: httpx.Client, params: dict[str, Any], limit: int = 3) -> dict[str, Any]:
    """Every row over pages of `limit`, with the totals (equal on every page)."""
    rows: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": limit, **({"next_cursor": cursor} if cursor else {})}
        response = client.get(PATH, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["result_count"] == len(body["result"]) <= limit
        rows += body["result"]
        totals.append(body["totals"])
        if (cursor := body["next_cursor"]) is None:
            assert all(t == totals[0] for t in totals)
            return {"result": rows, "totals": totals[0]}


def check_rows(found: dict[str, Any], expected: dict[str, Expected]) -> None:
    rows = {row["key"]: row for row in found["result"]}
    assert len(rows) == len(found["result"])
    assert set(rows) == set(expected)
    for key, want in expected.items():
        want.check(rows[key])


# -- tests -------------------------------------------------------------------------------------


def test_rows_per_user_are_the_sandbox_s_own_sums(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    meetings = counted(stack)
    with stack.client() as client:
        found = report(client, {"integrated_account_id": account, "group_by": "user"})

    assert len(meetings) > 20
    check_rows(found, expected_by(stack, meetings, owner_of))
    org = stack.sandbox.state.org
    for row in found["result"]:
        user = org.user(int(row["key"]))
        assert user is not None
        assert row["name"] == user.name
    by_meetings = [row["meetings"] for row in found["result"]]
    assert by_meetings == sorted(by_meetings, reverse=True)
    totals = Expected()
    for meeting in meetings:
        totals.add(stack, meeting)
    totals.check(found["totals"])
    assert (found["totals"]["key"], found["totals"]["name"]) == (None, None)


def test_rows_per_team_pool_their_members_and_totals_count_a_meeting_once(
    synced: tuple[Stack, str],
) -> None:
    stack, account = synced
    keys = teams_of(stack)
    meetings = counted(stack, lambda m: bool(keys(m)))
    with stack.client() as client:
        found = report(client, {"integrated_account_id": account, "group_by": "team"}, limit=2)

    check_rows(found, expected_by(stack, meetings, keys))
    names = {str(t.id): t.name for t in stack.sandbox.state.org.teams}
    assert all(row["name"] == names[row["key"]] for row in found["result"])
    totals = Expected()
    for meeting in meetings:
        totals.add(stack, meeting)
    totals.check(found["totals"])


def test_rows_per_week_start_on_monday_utc_newest_first(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    with stack.client() as client:
        found = report(client, {"integrated_account_id": account, "group_by": "week"})

    check_rows(found, expected_by(stack, counted(stack), week_of))
    keys = [row["key"] for row in found["result"]]
    assert keys == sorted(keys, reverse=True)
    for row in found["result"]:
        monday = datetime.fromisoformat(row["key"])
        assert (monday.weekday(), monday.time().isoformat()) == (0, "00:00:00")
        year, week, _ = monday.isocalendar()
        assert row["name"] == f"{year}-W{week:02d}"


def test_start_time_filters_keep_meetings_inside_the_range(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    starts = sorted(m.start for m in counted(stack))
    low, high = starts[len(starts) // 4], starts[3 * len(starts) // 4]
    inside = counted(stack, lambda m: low <= m.start <= high)
    params = {
        "integrated_account_id": account,
        "start_time_after": datetime.fromtimestamp(low, UTC).isoformat(),
        "start_time_before": datetime.fromtimestamp(high, UTC).isoformat(),
    }
    with stack.client() as client:
        found = report(client, params)

    check_rows(found, expected_by(stack, inside, owner_of))
    assert found["totals"]["meetings"] == len(inside)


def test_team_and_user_filters_select_the_owners_meetings(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    keys = teams_of(stack)
    busy = {key for m in counted(stack) for key in keys(m)}
    team = next(t for t in stack.sandbox.state.org.teams if str(t.id) in busy)
    in_team = counted(stack, lambda m: str(team.id) in keys(m))
    owner = in_team[0].owner.id
    with stack.client() as client:
        by_team = report(client, {"integrated_account_id": account, "team_id": str(team.id)})
        by_user = report(client, {"integrated_account_id": account, "user_id": str(owner)})
        one_team = report(
            client,
            {"integrated_account_id": account, "group_by": "team", "team_id": str(team.id)},
        )
        no_team = report(client, {"integrated_account_id": account, "team_id": "no-such-team"})

    check_rows(by_team, expected_by(stack, in_team, owner_of))
    mine = counted(stack, lambda m: m.owner.id == owner)
    check_rows(by_user, expected_by(stack, mine, owner_of))
    assert [row["key"] for row in one_team["result"]] == [str(team.id)]
    assert one_team["totals"] == one_team["result"][0] | {"key": None, "name": None}
    assert (no_team["result"], no_team["totals"]["meetings"]) == ([], 0)


@pytest.mark.parametrize("group_by", ["user", "team", "week"])
def test_csv_holds_the_json_rows_then_the_totals(synced: tuple[Stack, str], group_by: str) -> None:
    stack, account = synced
    params = {"integrated_account_id": account, "group_by": group_by}
    with stack.client() as client:
        found = report(client, params, limit=500)
        response = client.get(f"{PATH}.csv", params=params)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(response.text)))
    assert len(lines) == len(found["result"]) + 1
    for line, row in zip(lines, [*found["result"], found["totals"]], strict=True):
        assert line["key"] == (row["key"] or "")
        assert line["name"] == (row["name"] or "Totals")
        assert int(line["meetings"]) == row["meetings"]
        for column in ("total_duration", "avg_duration", "talk_ratio", "customer_talk_ratio"):
            assert float(line[column]) == row[column]
        assert float(line["longest_monologue"]) == row["longest_monologue"]
        topics = [f"{t['name']} ({t['meetings']}/{t['mentions']})" for t in row["topics"]]
        assert line["topics"] == "; ".join(topics)


def test_the_hook_s_inputs_from_unified_meetings_equal_the_backfill_s(
    synced: tuple[Stack, str],
) -> None:
    stack, account = synced
    with stack.client() as client:
        client.get(PATH, params={"integrated_account_id": account})  # backfilled by now
        listed = client.get(
            f"{UNIFIED}/meetings",
            params={"integrated_account_id": account, "source": "store", "limit": 500},
        ).json()["result"]
        full = [
            Meeting.model_validate(
                client.get(
                    f"{UNIFIED}/meetings/{m['id']}",
                    params={"integrated_account_id": account, "source": "store"},
                ).json()
            )
            for m in listed
        ]
    from_meetings = {i.meeting_id: i for m in full if (i := meeting_inputs(m)) is not None}

    stored = run_async(_stored_inputs(stack, account))
    assert len(from_meetings) == len(counted(stack))
    assert stored == {
        mid: (
            i.owner_user_id,
            i.week,
            pytest.approx(i.duration),
            pytest.approx(i.owner_talk),
            pytest.approx(i.guest_talk),
            pytest.approx(i.total_talk),
            pytest.approx(i.longest_monologue),
            dict(i.topics),
        )
        for mid, i in from_meetings.items()
    }


async def _stored_inputs(stack: Stack, account: str) -> dict[str, tuple[Any, ...]]:
    async with Database(stack.api.settings.database_url) as db, db.session() as session:
        s = MeetingStats
        stats = await session.execute(
            select(
                s.meeting_id, s.owner_user_id, s.week, s.duration, s.owner_talk, s.guest_talk,
                s.total_talk, s.longest_monologue,
            ).where(s.account_id == account)
        )  # fmt: skip
        t = MeetingTopic
        topics: dict[str, dict[str, int]] = {}
        for mid, name, mentions in await session.execute(
            select(t.meeting_id, t.name, t.mentions).where(t.account_id == account)
        ):
            topics.setdefault(mid, {})[name] = mentions
        return {row[0]: (*row[1:], topics.get(row[0], {})) for row in stats}


def test_an_account_never_synced_has_no_rows_and_zero_totals(synced: tuple[Stack, str]) -> None:
    stack, _ = synced
    with stack.client() as client:
        empty = stack.link_account(client)
        answers = [
            client.get(PATH, params={"integrated_account_id": empty, "group_by": g}).json()
            for g in ("user", "team", "week")
        ]
        exported = client.get(f"{PATH}.csv", params={"integrated_account_id": empty})

    zero = {
        "key": None,
        "name": None,
        "meetings": 0,
        "total_duration": 0.0,
        "avg_duration": 0.0,
        "talk_ratio": 0.0,
        "customer_talk_ratio": 0.0,
        "longest_monologue": 0.0,
        "topics": [],
    }
    assert answers == [{"result": [], "totals": zero, "next_cursor": None, "result_count": 0}] * 3
    assert exported.text.splitlines()[1:] == [",Totals,0,0.0,0.0,0.0,0.0,0.0,"]


@pytest.mark.parametrize(
    ("path", "params", "code", "param"),
    [
        (PATH, {"group_by": "month"}, "invalid_request", "group_by"),
        (PATH, {"owner": "1"}, "unknown_parameter", "owner"),
        (PATH, {"response_format": "raw"}, "unknown_parameter", "response_format"),
        (PATH, {"limit": "0"}, "invalid_request", "limit"),
        (PATH, {"next_cursor": "forged.cursor"}, "invalid_cursor", "next_cursor"),
        (PATH, {"start_time_after": "yesterday"}, "invalid_request", "start_time_after"),
        (f"{PATH}.csv", {"group_by": "month"}, "invalid_request", "group_by"),
        (f"{PATH}.csv", {"limit": "10"}, "unknown_parameter", "limit"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(
    synced: tuple[Stack, str], path: str, params: dict[str, str], code: str, param: str
) -> None:
    stack, account = synced
    with stack.client() as client:
        response = client.get(path, params={"integrated_account_id": account, **params})

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, param)


def test_a_cursor_is_bound_to_its_query_and_another_tenant_sees_nothing(
    synced: tuple[Stack, str],
) -> None:
    stack, account = synced
    other = stack.new_tenant_key("analytics-other")
    with stack.client() as client:
        first = client.get(PATH, params={"integrated_account_id": account, "limit": 1}).json()
        refused = client.get(
            PATH,
            params={
                "integrated_account_id": account,
                "group_by": "week",
                "limit": 1,
                "next_cursor": first["next_cursor"],
            },
        )
    with stack.client(other) as client:
        foreign = client.get(PATH, params={"integrated_account_id": account})

    assert first["next_cursor"] is not None
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_cursor")
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (
        404,
        "integrated_account_not_found",
    )
