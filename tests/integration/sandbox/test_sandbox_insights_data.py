"""The seeded data holds what insights look for: deals over weeks, risk, privacy, hierarchy.

Everything is read over HTTP from the Chorus routes (and checked against the spec), then
compared with the sandbox's own account of it (`GET /_sandbox/deals`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from parley.sandbox import SandboxServer
from parley.sandbox.org import DEAL_STAGES
from parley.sandbox.people import COMPETITORS

ANCHOR = datetime.fromisoformat("2026-03-02T00:00:00+00:00")  # the `sandbox` fixture's
STALLED = ANCHOR - timedelta(days=21)
RECORDING = "#/components/schemas/RecordingDoc"
FREE_MAIL = {"gmail.com", "outlook.com", "yahoo.com"}
Validate = Callable[[Any, str], None]


@dataclass(frozen=True)
class Call:
    """One engagement row and its conversation document's attributes."""

    row: dict[str, Any]
    attributes: dict[str, Any]

    @property
    def start(self) -> datetime:
        return datetime.fromisoformat(self.attributes["recording"]["start_time"])

    @property
    def done(self) -> bool:
        return bool(self.attributes["status"] == "done")

    @property
    def utterances(self) -> list[dict[str, Any]]:
        utterances: list[dict[str, Any]] = self.attributes["recording"]["utterances"]
        return utterances

    def guest_emails(self) -> set[str]:
        return {p["email"] for p in self.attributes["participants"] if p["type"] == "cust"}

    def tracker(self, name: str) -> dict[str, Any] | None:
        trackers = self.attributes["recording"]["trackers"]
        return next((t for t in trackers if t["name"] == name), None)

    def mentioned_by(self, name: str, speaker_type: str) -> bool:
        tracker = self.tracker(name)
        return tracker is not None and any(
            self.utterances[m["utterance"]]["speaker_type"] == speaker_type
            for m in tracker["mentions"]
        )


@dataclass(frozen=True)
class Deal:
    """One opportunity's calls, newest first."""

    id: str
    calls: list[Call]

    @property
    def recent(self) -> list[Call]:
        """The last three completed calls."""
        return [c for c in self.calls if c.done][:3]

    def stalled(self) -> bool:
        return self.recent[0].start < STALLED

    def without_next_steps(self) -> bool:
        return self.recent[0].tracker("Next Steps") is None

    def single_threaded(self) -> bool:
        return len(set().union(*(c.guest_emails() for c in self.recent))) <= 1

    def guest_share(self) -> float:
        spoken = [u for c in self.recent for u in c.utterances]
        guests = sum(float(u["snippet_length"]) for u in spoken if u["speaker_type"] == "cust")
        return guests / sum(float(u["snippet_length"]) for u in spoken)

    def raised_by_guests(self, tracker: str) -> int:
        """In how many recent calls a guest's words matched this tracker."""
        return sum(c.mentioned_by(tracker, "cust") for c in self.recent)


def _validate_call(validate: Validate, call: Call) -> None:
    doc = {"data": {"type": "recording", "id": call.row["engagement_id"]}}
    validate(doc | {"data": doc["data"] | {"attributes": call.attributes}}, RECORDING)


@pytest.fixture(scope="module")
def calls(
    sandbox: SandboxServer, connect: Callable[..., httpx.Client], collect: Callable[..., Any]
) -> list[Call]:
    with connect(sandbox.url, sandbox.token) as http:
        rows = collect(http, with_trackers="true")
        docs = [http.get(f"/api/v1/conversations/{r['engagement_id']}").json() for r in rows]
    return [Call(row, doc["data"]["attributes"]) for row, doc in zip(rows, docs, strict=True)]


@pytest.fixture(scope="module")
def deals(calls: list[Call]) -> dict[str, Deal]:
    grouped: dict[str, list[Call]] = {}
    for call in calls:
        if call.row["opportunity_id"]:
            grouped.setdefault(call.row["opportunity_id"], []).append(call)
    return {
        opportunity: Deal(opportunity, sorted(group, key=lambda c: c.start, reverse=True))
        for opportunity, group in grouped.items()
        if any(c.done for c in group)
    }


def test_opportunities_have_several_meetings_over_weeks(
    deals: dict[str, Deal], validate: Validate
) -> None:
    long_running = [
        d
        for d in deals.values()
        if len(d.calls) >= 3 and d.calls[0].start - d.calls[-1].start >= timedelta(weeks=2)
    ]

    assert len(long_running) >= 15
    for deal in deals.values():
        rows = [c.row for c in deal.calls]
        assert len({(r["opportunity_name"], r["account_name"]) for r in rows}) == 1
        for call in deal.calls:
            crm = call.attributes["deal"]
            assert (crm["id"], crm["name"]) == (deal.id, rows[0]["opportunity_name"])
            assert call.attributes["account"]["name"] == rows[0]["account_name"]
            assert crm["current_stage"] in DEAL_STAGES
    stages = {c.attributes["deal"]["current_stage"] for d in long_running for c in d.calls}
    assert len(stages) >= 4
    _validate_call(validate, long_running[0].calls[0])


def test_some_meetings_belong_to_no_opportunity(calls: list[Call], validate: Validate) -> None:
    orphans = [c for c in calls if c.row["opportunity_id"] == ""]

    assert orphans
    assert all(c.row["opportunity_name"] == "" for c in orphans)
    assert all(set(c.attributes["deal"].values()) == {None} for c in orphans)
    assert all(c.attributes["account"]["name"] == c.row["account_name"] for c in orphans)
    _validate_call(validate, orphans[0])


def test_deal_risk_situations_are_all_present(deals: dict[str, Deal]) -> None:
    ranked = list(deals.values())

    assert len([d for d in ranked if d.stalled()]) >= 4
    assert len([d for d in ranked if not d.stalled()]) >= 12
    assert len([d for d in ranked if d.without_next_steps()]) >= 3
    assert len([d for d in ranked if d.single_threaded()]) >= 3
    assert len([d for d in ranked if d.guest_share() < 0.25]) >= 3
    assert len([d for d in ranked if d.raised_by_guests("Competitors") >= 2]) >= 3
    assert len([d for d in ranked if d.raised_by_guests("Pricing") >= 2]) >= 3
    healthy = [
        d
        for d in ranked
        if not (d.stalled() or d.without_next_steps() or d.single_threaded())
        and d.guest_share() >= 0.25
        and d.raised_by_guests("Competitors") < 2
    ]
    assert len(healthy) >= 3


def test_guests_and_reps_say_what_keyword_rules_look_for(calls: list[Call]) -> None:
    said: dict[str, str] = {"cust": "", "rep": ""}
    for call in calls:
        for u in call.utterances:
            if u["speaker_type"] in said:
                said[u["speaker_type"]] += u["snippet"] + "\n"
    phrases = ["pricing", "too expensive", "next steps", "bug", "integrat", "doesn\u2019t work"]

    for phrase in phrases:
        assert re.search(rf"\b{re.escape(phrase)}", said["cust"], re.IGNORECASE), phrase
    assert re.search(r"\bdoesn't work\b", said["rep"])  # a straight apostrophe too
    for who in ("cust", "rep"):
        assert any(re.search(rf"\b{name}\b", said[who]) for name in COMPETITORS)
        for tracker in ("Competitors", "Pricing", "Next Steps"):
            assert any(c.mentioned_by(tracker, who) for c in calls), (who, tracker)


def test_a_few_meetings_are_private(calls: list[Call], validate: Validate) -> None:
    private = [c for c in calls if c.attributes["private"] is True]

    assert 3 <= len(private) <= 0.1 * len(calls)
    assert all(c.attributes["private"] is False for c in calls if c not in private)
    _validate_call(validate, private[0])


def test_managers_report_up_two_levels(
    sandbox: SandboxServer,
    client: httpx.Client,
    validate: Validate,
    connect: Callable[..., httpx.Client],
) -> None:
    users = {u["id"]: u for u in client.get("/v3/users").json()}
    teams = client.get("/api/v1/teams").json()
    validate(teams, "#/components/schemas/TeamsDoc")
    admin = next(u for u in users.values() if u["role"] == "admin")

    def chain(user: dict[str, Any]) -> list[int]:
        up: list[int] = []
        while user["manager_id"] is not None:
            up.append(user["manager_id"])
            user = users[user["manager_id"]]
        return up

    director = next(u for u in users.values() if u["manager_id"] == admin["id"])
    assert director["role"] == "manager"
    below = [u for u in users.values() if u["role"] == "manager" and u is not director]
    assert below
    assert all(u["manager_id"] == director["id"] for u in below)
    reps = [u for u in users.values() if u["role"] == "rep"]
    assert any(chain(u)[:2] == [m["id"], director["id"]] for u in reps for m in below)
    assert any(len(u["team_ids"]) == 2 for u in reps)
    by_team = {int(t["id"]): t["attributes"] for t in teams["data"]}
    for team in by_team.values():
        assert users[team["manager"]]["role"] == "manager"
        assert team["parent_team"] is None or team["parent_team"] in by_team
    assert sum(t["parent_team"] is not None for t in by_team.values()) == len(by_team) - 1

    with (
        SandboxServer(replace(sandbox.config, meetings=5, users_shape="jsonapi")) as other,
        connect(other.url, other.token) as http,
    ):
        resources = http.get("/v3/users").json()["data"]
    for resource in resources:
        validate({"data": resource}, "#/components/schemas/UserDoc")
    managers = {int(r["id"]): r["attributes"]["manager_id"] for r in resources}
    assert managers[director["id"]] == admin["id"]
    assert all(managers[u["id"]] == director["id"] for u in below)


def test_guests_use_company_domains_subdomains_free_mail_and_tags(calls: list[Call]) -> None:
    emails_by_account: dict[str, set[str]] = {}
    for call in calls:
        emails_by_account.setdefault(call.row["account_name"], set()).update(call.guest_emails())
    emails = set().union(*emails_by_account.values())
    domains = {e.rsplit("@", 1)[1] for e in emails}

    assert domains >= FREE_MAIL
    assert any("+" in e.split("@")[0] for e in emails)
    assert any(e.split("@")[0] != e.split("@")[0].lower() for e in emails)
    assert not any(e.endswith("@brightwave.example") for e in emails)
    subdomains = 0
    for account_emails in emails_by_account.values():
        own = {e.rsplit("@", 1)[1] for e in account_emails} - FREE_MAIL
        subdomains += sum(any(d.endswith("." + other) for other in own) for d in own)
        assert len({d.split(".")[-2] for d in own}) <= 1  # one company, one domain
    assert subdomains >= 3


def test_the_admin_truth_agrees_with_the_chorus_api(
    client: httpx.Client, deals: dict[str, Deal], calls: list[Call]
) -> None:
    truth = client.get("/_sandbox/deals").json()
    by_id = {c.row["engagement_id"]: c for c in calls}

    assert datetime.fromisoformat(truth["anchor"]) == ANCHOR
    assert {d["opportunity_id"] for d in truth["deals"]} >= set(deals)
    for told in truth["deals"]:
        seen = [c.row["engagement_id"] for c in deals[told["opportunity_id"]].calls]
        assert [m["engagement_id"] for m in told["meetings"]] == seen
        for fact in told["meetings"]:
            call = by_id[fact["engagement_id"]]
            assert (fact["status"], fact["private"]) == (
                call.attributes["status"],
                call.attributes["private"],
            )
            assert set(fact["customer_emails"]) == call.guest_emails()
            assert fact["owner_user_id"] == call.attributes["owner"]["user_id"]
            for kind, seconds in fact["talk_time"].items():
                talk = [u["snippet_length"] for u in call.utterances if u["speaker_type"] == kind]
                assert abs(sum(talk) - seconds) < 0.05
            trackers = {t["name"]: t for t in call.attributes["recording"]["trackers"]}
            assert {t["name"]: t["count"] for t in fact["trackers"]} == {
                n: t["count"] for n, t in trackers.items()
            }
            for tracker in fact["trackers"]:
                mentions = trackers[tracker["name"]]["mentions"]
                spoken = [call.utterances[m["utterance"]]["speaker_type"] for m in mentions]
                assert tracker["guest_mentions"] == spoken.count("cust")
        deal = deals[told["opportunity_id"]]
        traits = set(told["traits"])
        assert ("stalled" in traits) == deal.stalled()
        if "single_threaded" in traits:
            assert len(set().union(*(c.guest_emails() for c in deal.calls))) == 1
        if "low_talk" in traits:
            assert deal.guest_share() < 0.25
