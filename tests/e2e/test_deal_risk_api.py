"""Deal risk end to end: the sandbox's seeded deals, synced for real, read over HTTP.

Expectations come from the sandbox's own truth (`GET /_sandbox/deals`: each opportunity's
meetings, their status, tracker counts and guest-spoken mentions, customer emails and talk
time by speaker type), never from Parley's code. The deals are computed by calling the
service's page hook after a real sync, inside a session, as a sync page will call it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from e2e_stack import BACKENDS, Stack, call, database_url, run_async, stack_settings, start_stack
from procrastinate import App, testing
from sqlalchemy import select

from parley.insights.deal_schedule import STALLED_TASK, StalledDealsWatch, register_deal_tasks
from parley.insights.deals import DealQuery
from parley.reads.store import StoreMeetingFilters
from parley.runtime import Runtime
from parley.sandbox.config import SandboxConfig
from parley.storage import Database, Event, StoredMeeting

WEIGHTS = {
    "competitor_mentioned": 30,
    "pricing_objection": 25,
    "no_next_steps": 20,
    "stalled": 25,
    "single_threaded": 15,
    "low_customer_talk": 10,
}
PRICING = {"pricing", "price", "budget", "objection", "objections", "discount"}
LEVELS = ("low", "medium", "high")


# -- what the sandbox's truth implies --------------------------------------------------------


def _trackers(meeting: dict[str, Any], names: set[str]) -> list[dict[str, Any]]:
    return [t for t in meeting["trackers"] if t["name"].casefold() in names and t["count"] > 0]


def guest_share(recent: list[dict[str, Any]]) -> float | None:
    guest = sum(m["talk_time"]["cust"] for m in recent)
    total = sum(sum(m["talk_time"].values()) for m in recent)
    return guest / total if total else None


def expected_signals(deal: dict[str, Any], now: datetime, stalled_days: int = 21) -> set[str]:
    """The signal types the contract's rules give for a deal of the truth."""
    done = [m for m in deal["meetings"] if m["status"] == "done"]
    recent = done[:3]
    if not recent:
        return set()
    found = set()
    if sum(1 for m in recent if _trackers(m, {"competitors"})) >= 2:
        found.add("competitor_mentioned")
    pricing = [m for m in recent if any(t["guest_mentions"] for t in _trackers(m, PRICING))]
    if len(pricing) >= 2:
        found.add("pricing_objection")
    if not _trackers(recent[0], {"next steps"}):
        found.add("no_next_steps")
    if now - datetime.fromisoformat(recent[0]["start_time"]) > timedelta(days=stalled_days):
        found.add("stalled")
    emails = {e.strip().casefold() for m in recent for e in m["customer_emails"]}
    if len(emails) <= 1:
        found.add("single_threaded")
    share = guest_share(recent)
    if share is not None and share < 0.25:
        found.add("low_customer_talk")
    return found


def level_of(signals: set[str], high: int = 50, medium: int = 25) -> str:
    score = min(100, sum(WEIGHTS[s] for s in signals))
    return "high" if score >= high else "medium" if score >= medium else "low"


def talk_is_borderline(deal: dict[str, Any]) -> bool:
    """Talk time within rounding of the 25 % line (the truth rounds per meeting)."""
    share = guest_share([m for m in deal["meetings"] if m["status"] == "done"][:3])
    return share is not None and abs(share - 0.25) < 0.002


# -- the stack ----------------------------------------------------------------------------


async def _sync_and_derive(stack: Stack, account: str) -> None:
    runtime = await Runtime.start(stack.api.settings)
    try:
        run, _ = await runtime.sync.create(None, account, full=True)
        done = await runtime.sync_executor.execute(run.id)
        assert done.status == "completed", done
        page = await runtime.store.list_meetings(account, StoreMeetingFilters(), limit=500)
        assert page.next_cursor is None
        async with runtime.db.session() as session:
            await runtime.deals.on_meetings_stored(
                session,
                tenant_id=stack.tenant_id,
                account_id=account,
                meetings=page.items,
                deleted_ids=[],
            )
    finally:
        await runtime.close()


async def _raised(stack: Stack) -> list[dict[str, Any]]:
    async with Database(stack.api.settings.database_url) as db, db.session() as session:
        rows = await session.scalars(
            select(Event).where(Event.type == "deal_risk.raised").order_by(Event.created_at)
        )
        return [row.payload["data"] for row in rows]


async def _hourly_pass_at(stack: Stack, now: datetime) -> int:
    """One tick of the embedded hourly loop with the clock at `now`; the events it raised."""
    runtime = await Runtime.start(stack.api.settings)
    try:
        runtime.deals.clock = lambda: now
        slept = asyncio.Event()

        async def sleep(seconds: float) -> None:
            assert seconds == 3600
            slept.set()
            await asyncio.Event().wait()  # the next hour never comes in this test

        before = len(await _raised(stack))
        async with StalledDealsWatch(runtime.deals, sleep=sleep).running():
            await asyncio.wait_for(slept.wait(), 60)
        return len(await _raised(stack)) - before
    finally:
        await runtime.close()


async def _periodic_task_at(stack: Stack, now: datetime) -> int:
    """Scale mode's hourly procrastinate task, run once with the clock at `now`."""
    runtime = await Runtime.start(stack.api.settings)
    try:
        runtime.deals.clock = lambda: now
        app = App(connector=testing.InMemoryConnector())
        register_deal_tasks(app, runtime.deals, queue="sync")
        periodic = app.periodic_registry.periodic_tasks
        assert [(p.task.name, p.cron) for p in periodic.values()] == [(STALLED_TASK, "0 * * * *")]
        before = len(await _raised(stack))
        await app.tasks[STALLED_TASK].func(timestamp=int(now.timestamp()))
        return len(await _raised(stack)) - before
    finally:
        await runtime.close()


@pytest.fixture(scope="module", params=BACKENDS)
def synced(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[tuple[Stack, str, dict[str, Any]]]:
    """A stack whose account is synced from the default sandbox, its deals computed."""
    tmp = tmp_path_factory.mktemp("deals-stack")
    url, pg_name = database_url(request.param, tmp, postgres_server)
    settings = stack_settings(tmp, url).model_copy(
        update={"chorus_rate_limit": 500.0, "sync_interval": timedelta(0)}
    )
    stack = start_stack(settings, SandboxConfig())
    try:
        with stack.client() as client:
            account = stack.link_account(client)
        run_async(_sync_and_derive(stack, account))
        truth = call("GET", f"{stack.sandbox.url}/_sandbox/deals").json()
        yield stack, account, truth
    finally:
        stack.api.stop()
        stack.sandbox.stop()
        if pg_name is not None and postgres_server is not None:
            run_async(postgres_server.drop(pg_name))


def every_deal(client: httpx.Client, params: dict[str, Any]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        response = client.get("/insights/deals", params={**params, "next_cursor": cursor})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["result_count"] == len(body["result"])
        seen += body["result"]
        if (cursor := body["next_cursor"]) is None:
            return seen


# -- the signals ----------------------------------------------------------------------------


def test_every_seeded_deal_has_the_signals_its_truth_implies(
    synced: tuple[Stack, str, dict[str, Any]],
) -> None:
    stack, account, truth = synced
    now = datetime.now(UTC)
    with stack.client() as client:
        deals = {d["id"]: d for d in every_deal(client, {"integrated_account_id": account})}

    assert set(deals) == {d["opportunity_id"] for d in truth["deals"]}
    for seeded in truth["deals"]:
        deal = deals[seeded["opportunity_id"]]
        signals = {s["type"]: s for s in deal["risk"]["signals"]}
        expected = expected_signals(seeded, now)
        if talk_is_borderline(seeded):
            signals.pop("low_customer_talk", None)
            expected.discard("low_customer_talk")
        assert set(signals) == expected, seeded["opportunity_id"]
        assert deal["risk"]["score"] == min(100, sum(s["weight"] for s in deal["risk"]["signals"]))
        assert (deal["name"], deal["account_name"]) == (seeded["name"], seeded["account_name"])
        assert deal["meeting_count"] == len(seeded["meetings"])
        assert deal["last_meeting_at"] == max(m["start_time"] for m in seeded["meetings"])


def test_the_seeded_traits_show_as_signals(synced: tuple[Stack, str, dict[str, Any]]) -> None:
    stack, account, truth = synced
    with stack.client() as client:
        deals = {d["id"]: d for d in every_deal(client, {"integrated_account_id": account})}

    def having(trait: str, signal: str) -> tuple[int, int]:
        seeded = [d for d in truth["deals"] if trait in d["traits"]]
        shown = [
            d
            for d in seeded
            if signal in {s["type"] for s in deals[d["opportunity_id"]]["risk"]["signals"]}
        ]
        return len(shown), len(seeded)

    # A stalled deal's last meeting is 24-55 days old: always past 21 days.
    assert having("stalled", "stalled") == (5, 5)
    shown, seeded = having("competitive", "competitor_mentioned")
    assert seeded == 5
    assert shown >= 3


def test_evidence_points_at_the_deals_real_meetings(
    synced: tuple[Stack, str, dict[str, Any]],
) -> None:
    stack, account, truth = synced
    competitive = next(
        d
        for d in truth["deals"]
        if "competitor_mentioned" in expected_signals(d, datetime.now(UTC))
    )
    with stack.client() as client:
        deal = client.get(
            f"/insights/deals/{competitive['opportunity_id']}",
            params={"integrated_account_id": account},
        ).json()
        ids = {m["engagement_id"] for m in competitive["meetings"]}
        for signal in deal["risk"]["signals"]:
            assert signal["evidence"], signal
            assert {e["meeting_id"] for e in signal["evidence"]} <= ids
        mentioned = next(s for s in deal["risk"]["signals"] if s["type"] == "competitor_mentioned")
        assert mentioned["summary"].startswith("A competitor came up in ")
        hit = mentioned["evidence"][0]
        assert hit["tracker"] == "Competitors"
        assert hit["text"]
        stored = client.get(
            f"/unified/conversational-intelligence/meetings/{hit['meeting_id']}",
            params={"integrated_account_id": account, "source": "store"},
        ).json()
        said = [e["text"] for e in stored["transcript"] if e["start_time"] == hit["start_time"]]
        assert hit["text"] in said
        assert hit["playback_url"].startswith(f"{stack.url}/unified/")


def test_the_list_filters_sorts_and_pages_on_the_score(
    synced: tuple[Stack, str, dict[str, Any]],
) -> None:
    stack, account, _ = synced
    base = {"integrated_account_id": account}
    with stack.client() as client:
        whole = client.get("/insights/deals", params={**base, "limit": 500}).json()["result"]
        paged = every_deal(client, {**base, "limit": 4})
        high = every_deal(client, {**base, "level": "high", "limit": 3})
        over = every_deal(client, {**base, "min_score": 40})
        latest = every_deal(client, {**base, "sort": "last_meeting", "limit": 5})

    assert [d["id"] for d in paged] == [d["id"] for d in whole]
    scores = [d["risk"]["score"] for d in whole]
    assert scores == sorted(scores, reverse=True)
    assert {d["id"] for d in high} == {d["id"] for d in whole if d["risk"]["level"] == "high"}
    assert {d["id"] for d in over} == {d["id"] for d in whole if d["risk"]["score"] >= 40}
    stamps = [d["last_meeting_at"] for d in latest]
    assert stamps == sorted(stamps, reverse=True)
    assert len(latest) == len(whole)


def test_bad_reads_answer_in_the_error_envelope(
    synced: tuple[Stack, str, dict[str, Any]],
) -> None:
    stack, account, _ = synced
    other = stack.new_tenant_key("deals-other")
    with stack.client() as client, stack.client(other) as stranger:
        unknown = client.get("/insights/deals/nope", params={"integrated_account_id": account})
        foreign = stranger.get("/insights/deals", params={"integrated_account_id": account})
        param = client.get("/insights/deals", params={"integrated_account_id": account, "x": 1})
        level = client.get("/insights/deals", params={"level": "severe"})
        forged = client.get("/insights/deals", params={"next_cursor": "abc.def"})
        first = client.get("/insights/deals", params={"limit": 1}).json()["next_cursor"]
        rebound = client.get(
            "/insights/deals", params={"limit": 1, "sort": "last_meeting", "next_cursor": first}
        )

    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "deal_not_found")
    assert foreign.status_code == 404
    assert (param.status_code, param.json()["error"]["param"]) == (400, "x")
    assert (level.status_code, level.json()["error"]["param"]) == (400, "level")
    assert (forged.status_code, forged.json()["error"]["code"]) == (400, "invalid_cursor")
    assert (rebound.status_code, rebound.json()["error"]["code"]) == (400, "invalid_cursor")


# -- settings and events ------------------------------------------------------------------


def test_deal_risk_raised_fires_once_per_rise(synced: tuple[Stack, str, dict[str, Any]]) -> None:
    stack, _account, truth = synced
    now = datetime.now(UTC)
    signals = {d["opportunity_id"]: expected_signals(d, now) for d in truth["deals"]}
    borderline = {d["opportunity_id"] for d in truth["deals"] if talk_is_borderline(d)}
    settled = {o: s for o, s in signals.items() if o not in borderline}

    # The first computation: a new deal rises from low.
    first = run_async(_raised(stack))
    assert {e["id"] for e in first} - borderline == {
        o for o, s in settled.items() if level_of(s) != "low"
    }
    assert len(first) == len({e["id"] for e in first})
    assert all(e["risk"]["level"] != "low" and e["risk"]["signals"] for e in first)

    with stack.client() as client:
        lower = {"levels": {"high": 30, "medium": 10}}
        put = client.put("/insights/risk-settings", json=lower)
        again = client.put("/insights/risk-settings", json=lower)
        got = client.get("/insights/risk-settings").json()
    rises = {
        o
        for o, s in settled.items()
        if LEVELS.index(level_of(s, 30, 10)) > LEVELS.index(level_of(s))
    }
    assert put.status_code == 200, put.text
    assert put.json()["reevaluated"]["deals"] == len(truth["deals"])
    lowered = run_async(_raised(stack))[len(first) :]
    assert {e["id"] for e in lowered} - borderline == rises
    assert len(lowered) == put.json()["reevaluated"]["raised"]
    assert again.json()["reevaluated"] == {"deals": len(truth["deals"]), "raised": 0}
    assert got["levels"] == {"high": 30, "medium": 10}
    assert got["stalled_days"] == 21

    # Back to the defaults: levels fall, no event. Then the hourly pass, 60 days on: every
    # deal stalls; those whose level rises (again) raise once, and the next pass none.
    with stack.client() as client:
        assert client.put("/insights/risk-settings", json={}).json()["reevaluated"]["raised"] == 0
    before = len(run_async(_raised(stack)))
    later = now + timedelta(days=60)
    raised = run_async(_hourly_pass_at(stack, later))
    worked = {
        d["opportunity_id"]
        for d in truth["deals"]
        if any(m["status"] == "done" for m in d["meetings"])
    }
    stalled = {
        o
        for o, s in settled.items()
        if o in worked and LEVELS.index(level_of(s | {"stalled"})) > LEVELS.index(level_of(s))
    }
    events = run_async(_raised(stack))[before:]
    assert raised == len(events)
    assert {e["id"] for e in events} - borderline == stalled
    assert stalled
    assert all("stalled" in {s["type"] for s in e["risk"]["signals"]} for e in events)
    assert run_async(_hourly_pass_at(stack, later + timedelta(hours=1))) == 0

    # A settings change judged now un-stalls them (a fall); scale mode's periodic task,
    # 60 days on, raises the same deals again, once.
    with stack.client() as client:
        assert client.put("/insights/risk-settings", json={}).json()["reevaluated"]["raised"] == 0
    assert run_async(_periodic_task_at(stack, later)) == len(events)
    assert run_async(_periodic_task_at(stack, later + timedelta(hours=2))) == 0


def test_bad_settings_are_a_400_naming_the_field(
    synced: tuple[Stack, str, dict[str, Any]],
) -> None:
    stack, _, _ = synced
    with stack.client() as client:
        weight = client.put("/insights/risk-settings", json={"weights": {"stalled": 500}})
        phrase = client.put("/insights/risk-settings", json={"pricing_objection_phrases": ["*"]})
        extra = client.put("/insights/risk-settings", json={"colour": "red"})

    assert (weight.status_code, weight.json()["error"]["param"]) == (400, "weights.stalled")
    assert phrase.status_code == 400
    assert "pricing_objection_phrases" in phrase.json()["error"]["param"]
    assert extra.status_code == 400


async def _scoped(stack: Stack, account: str, opportunity: str, visible: set[str]) -> Any:
    runtime = await Runtime.start(stack.api.settings)
    try:
        clause = StoredMeeting.id.in_(sorted(visible))
        deal = await runtime.deals.get(stack.tenant_id, account, opportunity, visible=clause)
        listed, _ = await runtime.deals.list_deals(
            stack.tenant_id, DealQuery(account_id=account, limit=500), visible=clause
        )
        return deal, listed
    finally:
        await runtime.close()


def test_a_visibility_clause_keeps_deals_with_a_visible_meeting_and_their_evidence(
    synced: tuple[Stack, str, dict[str, Any]],
) -> None:
    stack, account, truth = synced
    seeded = next(d for d in truth["deals"] if len(d["meetings"]) >= 3)
    visible = {seeded["meetings"][0]["engagement_id"]}

    deal, listed = run_async(_scoped(stack, account, seeded["opportunity_id"], visible))

    assert [d.id for d in listed] == [seeded["opportunity_id"]]
    for signal in deal.risk.signals:
        assert {e.meeting_id for e in signal.evidence} <= visible


async def _resync_and_derive(stack: Stack, account: str, deleted: list[str]) -> None:
    runtime = await Runtime.start(stack.api.settings)
    try:
        run, _ = await runtime.sync.create(None, account, full=True)
        done = await runtime.sync_executor.execute(run.id)
        assert done.status == "completed", done
        assert done.counts["deleted"] == len(deleted), done
        async with runtime.db.session() as session:
            await runtime.deals.on_meetings_stored(
                session,
                tenant_id=stack.tenant_id,
                account_id=account,
                meetings=[],
                deleted_ids=deleted,
            )
    finally:
        await runtime.close()


def test_a_deleted_meeting_leaves_its_deal_and_the_last_one_takes_the_deal(
    synced: tuple[Stack, str, dict[str, Any]],
) -> None:
    stack, account, truth = synced
    by_size = sorted(truth["deals"], key=lambda d: len(d["meetings"]))
    small, big = by_size[0], by_size[-1]
    gone = [big["meetings"][0]["engagement_id"]] + [m["engagement_id"] for m in small["meetings"]]
    for meeting_id in gone:
        assert (
            call("DELETE", f"{stack.sandbox.url}/_sandbox/meetings/{meeting_id}").status_code == 204
        )

    run_async(_resync_and_derive(stack, account, gone))

    params = {"integrated_account_id": account}
    with stack.client() as client:
        left = client.get(f"/insights/deals/{big['opportunity_id']}", params=params).json()
        none = client.get(f"/insights/deals/{small['opportunity_id']}", params=params)
    assert left["meeting_count"] == len(big["meetings"]) - 1
    assert none.status_code == 404
