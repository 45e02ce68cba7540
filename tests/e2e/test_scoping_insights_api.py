"""The per-user scope on every insight read, end to end over HTTP after a real sync.

A member, a manager and an admin (app users mapped to the sandbox's own rep, manager and
admin) each read the snippet feed, the deals, the team analytics and a contact's and a
company's call log, paged at limit 7. What each should see is computed from the sandbox's
own truth (`test_scoping_api.Truth`: its org and meetings; its deals; its transcripts and
guests), never from Parley's code; only "which meetings hold the phrase" is the developer's
own (unscoped) feed, which `test_keyword_rules_api` checks against the transcripts.
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from e2e_stack import call
from test_scoping_api import Synced, _map, _people, _token, synced

from parley.sandbox.meetings import Meeting as SandboxMeeting

__all__ = ["synced"]  # the module-scoped stack of test_scoping_api, one per backend

FEED = "/insights/snippets"
DEALS = "/insights/deals"
ANALYTICS = "/insights/analytics"
LIMIT = 7
#: Said in about half of the sandbox's meetings, a few times each.
PHRASES = ["security", "price", "discount"]
ROLES = {"s-member": "member", "s-manager": "manager", "s-admin": "admin"}


@dataclass
class Insights:
    """The synced stack, the app users mapped, a rule backfilled and two CRM records."""

    stack: Any
    account: str
    visible: dict[str, set[str]]  # app user -> the meeting ids they may see
    phrase_meetings: set[str]  # meetings with a snippet, as the developer's key sees them
    deals: dict[str, set[str]]  # opportunity id -> its meeting ids (the sandbox's truth)
    facts: dict[str, dict[str, Any]]  # meeting id -> the sandbox's facts of a deal meeting
    counted: dict[str, str]  # meeting id -> owner user id, of the meetings analytics counts
    contact: set[str]  # meetings the contact attends as a guest
    company: set[str]  # meetings someone of the company attends as a guest


def _wait_backfill(client: httpx.Client, rule_id: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(f"/insights/keyword-rules/{rule_id}").json()["backfill"]["status"]
        if status == "completed":
            return
        assert status in ("queued", "running"), status
        time.sleep(0.2)
    raise AssertionError("the rule's backfill did not complete")


def read_all(
    client: httpx.Client, path: str, params: dict[str, Any], headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every item of a listing, paged at `LIMIT`: each page full but the last."""
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": LIMIT, **({"next_cursor": cursor} if cursor else {})}
        response = client.get(path, params=query, headers=headers or {})
        assert response.status_code == 200, response.text
        body = response.json()
        cursor = body["next_cursor"]
        assert len(body["result"]) == LIMIT if cursor else len(body["result"]) <= LIMIT
        seen += body["result"]
        if cursor is None:
            return seen


def _guest_with_split(
    meetings: list[SandboxMeeting], visible: set[str], key: Any
) -> tuple[str, set[str]]:
    """The guest value (email or domain) whose meetings the member partly sees, most first."""
    by_value: dict[str, set[str]] = {}
    for m in meetings:
        for guest in m.guests:
            by_value.setdefault(key(guest.email.lower()), set()).add(m.id)
    split = {v: ids for v, ids in by_value.items() if ids & visible and ids - visible}
    assert split, "the sandbox must hold a guest the member sees only some meetings of"
    value = max(split, key=lambda v: (len(split[v]), v))
    return value, split[value]


@pytest.fixture(scope="module")
def insights(synced: Synced) -> Insights:
    stack, account, truth = synced.stack, synced.account, synced.truth
    rep, manager, admin = _people(truth)
    people = {"s-member": rep, "s-manager": manager, "s-admin": admin}
    visible = {app: truth.visible(people[app], role) for app, role in ROLES.items()}
    store = stack.sandbox.state.store
    meetings = list(store.newest_first())
    counted = {
        m.id: str(m.owner.id)
        for m in meetings
        if m.status == "done" and store.transcript(m).utterances
    }
    truth_deals = call("GET", f"{stack.sandbox.url}/_sandbox/deals").json()["deals"]
    deals = {d["opportunity_id"]: {m["engagement_id"] for m in d["meetings"]} for d in truth_deals}
    facts = {m["engagement_id"]: m for d in truth_deals for m in d["meetings"]}
    email, contact = _guest_with_split(meetings, visible["s-member"], lambda e: e)
    domain, company = _guest_with_split(
        meetings, visible["s-member"], lambda e: e.partition("@")[2]
    )
    with stack.client() as client:
        for app, role in ROLES.items():
            _map(client, account, app, {"provider_user_id": people[app], "role": role})
        created = client.post(
            "/insights/keyword-rules",
            json={"name": "Scoped", "phrases": PHRASES, "integrated_account_id": account},
        )
        assert created.status_code == 201, created.text
        rule_id = created.json()["id"]
        _wait_backfill(client, rule_id)
        for path, body in (
            ("/crm/contacts/s-contact", {"emails": [email]}),
            ("/crm/companies/s-company", {"domains": [domain]}),
        ):
            put = client.put(path, params={"integrated_account_id": account}, json=body)
            assert put.status_code in (200, 201), put.text
        everyone = read_all(client, FEED, {"rule_id": rule_id})
    phrase_meetings = {s["meeting_id"] for s in everyone}
    return Insights(
        stack, account, visible, phrase_meetings, deals, facts, counted, contact, company
    )


def _as(app_user: str) -> dict[str, str]:
    return {"Parley-As-User": app_user}


def test_the_roles_differ_and_each_insight_holds_hidden_meetings(insights: Insights) -> None:
    """Not vacuous: every comparison below has meetings on both sides of the scope."""
    member, manager = insights.visible["s-member"], insights.visible["s-manager"]
    assert member
    assert manager - member
    assert insights.visible["s-admin"] - manager
    for found in (insights.phrase_meetings, set(insights.counted), insights.contact):
        assert found & member
        assert found - member
    assert any(ids & member for ids in insights.deals.values())
    assert any(not ids & member for ids in insights.deals.values())


@pytest.mark.parametrize("app_user", list(ROLES))
def test_each_role_reads_exactly_the_snippets_of_its_meetings(
    insights: Insights, app_user: str
) -> None:
    params = {"integrated_account_id": insights.account}
    with insights.stack.client() as client:
        seen = read_all(client, FEED, params, _as(app_user))
        token = _token(client, insights.account, app_user)
    with insights.stack.client(token) as scoped:
        by_token = read_all(scoped, FEED, {})  # a token reads its own account
    ids = [s["id"] for s in seen]
    assert len(ids) == len(set(ids))
    assert {s["meeting_id"] for s in seen} == insights.phrase_meetings & insights.visible[app_user]
    assert [s["id"] for s in by_token] == ids


@pytest.mark.parametrize("app_user", list(ROLES))
def test_each_role_counts_exactly_its_meetings_in_analytics(
    insights: Insights, app_user: str
) -> None:
    mine = {m: o for m, o in insights.counted.items() if m in insights.visible[app_user]}
    owners = Counter(mine.values())
    params = {"integrated_account_id": insights.account, "group_by": "user"}
    with insights.stack.client() as client:
        report = client.get(ANALYTICS, params={**params, "limit": 100}, headers=_as(app_user))
        rows = read_all(client, ANALYTICS, params, _as(app_user))
        exported = client.get(f"{ANALYTICS}.csv", params=params, headers=_as(app_user))
    assert report.status_code == 200, report.text
    assert report.json()["totals"]["meetings"] == len(mine)
    assert {r["key"]: r["meetings"] for r in rows} == dict(owners)
    assert exported.status_code == 200
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert lines[-1]["name"] == "Totals"
    assert int(lines[-1]["meetings"]) == len(mine)
    assert {line["key"]: int(line["meetings"]) for line in lines[:-1]} == dict(owners)


@pytest.mark.parametrize("app_user", list(ROLES))
def test_each_role_lists_the_deals_of_its_meetings_with_their_evidence(
    insights: Insights, app_user: str
) -> None:
    visible = insights.visible[app_user]
    expected = {d: ids & visible for d, ids in insights.deals.items() if ids & visible}
    params = {"integrated_account_id": insights.account}
    with insights.stack.client() as client:
        listed = read_all(client, DEALS, params, _as(app_user))
        hidden = sorted(set(insights.deals) - set(expected))
        one = {
            d: client.get(f"{DEALS}/{d}", params=params, headers=_as(app_user))
            for d in sorted(expected)[:3] + hidden[:3]
        }
    assert [d["id"] for d in listed] == list(dict.fromkeys(d["id"] for d in listed))
    assert {d["id"] for d in listed} == set(expected)
    for deal in listed:
        evidence = {e["meeting_id"] for s in deal["risk"]["signals"] for e in s["evidence"]}
        assert evidence <= expected[deal["id"]], deal["id"]
        assert deal["meeting_count"] == len(expected[deal["id"]])
        # The dates and the customers are those of the visible meetings too.
        mine = [insights.facts[m] for m in expected[deal["id"]]]
        starts = sorted(datetime.fromisoformat(m["start_time"]) for m in mine)
        assert datetime.fromisoformat(deal["last_meeting_at"]) == starts[-1]
        assert datetime.fromisoformat(deal["first_meeting_at"]) == starts[0]
        emails = {e.lower() for m in mine for e in m["customer_emails"]}
        assert {e.lower() for e in deal["customer_emails"]} == emails
    for deal_id, response in one.items():
        if deal_id in expected:
            assert response.status_code == 200, response.text
            assert response.json()["meeting_count"] == len(expected[deal_id])
        else:
            assert response.status_code == 404, response.text
            assert response.json()["error"]["code"] == "deal_not_found"


@pytest.mark.parametrize("app_user", list(ROLES))
def test_each_role_reads_the_call_log_of_its_meetings(insights: Insights, app_user: str) -> None:
    visible = insights.visible[app_user]
    params = {"integrated_account_id": insights.account}
    with insights.stack.client() as client:
        contact = read_all(client, "/crm/contacts/s-contact/activities", params, _as(app_user))
        company = read_all(client, "/crm/companies/s-company/activities", params, _as(app_user))
    assert [a["meeting_id"] for a in contact] == list(
        dict.fromkeys(a["meeting_id"] for a in contact)
    )
    assert {a["meeting_id"] for a in contact} == insights.contact & visible
    assert {a["meeting_id"] for a in company} == insights.company & visible


def test_the_developers_key_still_reads_everything(insights: Insights) -> None:
    params = {"integrated_account_id": insights.account}
    with insights.stack.client() as client:
        contact = read_all(client, "/crm/contacts/s-contact/activities", params)
        deals = read_all(client, DEALS, params)
        report = client.get(ANALYTICS, params=params).json()
    assert {a["meeting_id"] for a in contact} == insights.contact
    assert {d["id"] for d in deals} == set(insights.deals)
    assert report["totals"]["meetings"] == len(insights.counted)


def test_an_unmapped_user_sees_no_insight(insights: Insights) -> None:
    params = {"integrated_account_id": insights.account}
    nobody = _as("s-nobody")
    with insights.stack.client() as client:
        assert read_all(client, FEED, params, nobody) == []
        assert read_all(client, DEALS, params, nobody) == []
        assert read_all(client, "/crm/contacts/s-contact/activities", params, nobody) == []
        report = client.get(ANALYTICS, params=params, headers=nobody).json()
    assert report["result"] == []
    assert report["totals"]["meetings"] == 0


def test_a_private_meeting_never_reaches_a_member_who_does_not_own_it(
    synced: Synced, insights: Insights
) -> None:
    truth, account = synced.truth, insights.account
    private = [m for m in truth.meetings if m["private"]]
    attended = [
        (m, str(a["user_id"]))
        for m in private
        for a in m.get("participants") or ()
        if a.get("user_id") and str(a["user_id"]) != str(m["user_id"])
    ]
    if not attended:
        pytest.skip("this sandbox has no private meeting another internal user attends")
    meeting, attendee = attended[0]
    meeting_id = meeting["engagement_id"]
    guests = [a["email"] for a in meeting.get("participants") or () if not a.get("user_id")]
    params = {"integrated_account_id": account}
    with insights.stack.client() as client:
        _map(client, account, "s-attendee", {"provider_user_id": attendee, "role": "member"})
        _map(
            client,
            account,
            "s-owner",
            {"provider_user_id": str(meeting["user_id"]), "role": "member"},
        )
        crm_put = client.put(
            "/crm/contacts/s-private",
            params=params,
            json={"emails": guests[:1] or ["nobody@example.com"]},
        )
        assert crm_put.status_code in (200, 201)
        seen: dict[str, set[str]] = {}
        for who in ("s-attendee", "s-owner"):
            headers = _as(who)
            ids = {s["meeting_id"] for s in read_all(client, FEED, params, headers)}
            ids |= {
                a["meeting_id"]
                for a in read_all(client, "/crm/contacts/s-private/activities", params, headers)
            }
            for deal in read_all(client, DEALS, params, headers):
                ids |= {e["meeting_id"] for s in deal["risk"]["signals"] for e in s["evidence"]}
            seen[who] = ids
        on_its_own = client.get(
            FEED, params={**params, "meeting_id": meeting_id}, headers=_as("s-attendee")
        )
    assert meeting_id not in truth.visible(attendee, "member")
    assert meeting_id not in seen["s-attendee"]
    assert on_its_own.json()["result"] == []
    # Its owner does see it (the reads above could find it at all).
    if meeting_id in insights.phrase_meetings or guests:
        assert meeting_id in seen["s-owner"]


def test_a_scoped_token_writes_nothing_and_reads_no_configuration(insights: Insights) -> None:
    account = insights.account
    params = {"integrated_account_id": account}
    with insights.stack.client() as client:
        token = _token(client, account, "s-manager")
        rule = client.get("/insights/keyword-rules").json()["result"][0]["id"]
    with insights.stack.client(token) as scoped:
        writes = [
            scoped.post("/insights/keyword-rules", json={"name": "x", "phrases": ["x"]}),
            scoped.patch(f"/insights/keyword-rules/{rule}", json={"enabled": False}),
            scoped.delete(f"/insights/keyword-rules/{rule}"),
            scoped.put("/insights/risk-settings", json={}),
            scoped.put("/crm/contacts/s-contact", params=params, json={"emails": ["a@b.io"]}),
            scoped.post("/crm/contacts/batch", params=params, json={"contacts": []}),
            scoped.delete("/crm/companies/s-company", params=params),
        ]
        configuration = [
            scoped.get("/insights/keyword-rules"),
            scoped.get(f"/insights/keyword-rules/{rule}"),
            scoped.get("/insights/risk-settings"),
            scoped.get("/crm/contacts", params=params),
            scoped.get("/crm/companies/s-company", params=params),
            scoped.get("/crm/unmatched-attendees", params=params),
        ]
    for response in writes + configuration:
        assert response.status_code == 403, (response.request.url, response.text)
        assert response.json()["error"]["code"] == "forbidden"
    with insights.stack.client() as client:
        # Nothing was written: the rule and the contact are as they were.
        assert client.get(f"/insights/keyword-rules/{rule}").json()["enabled"] is True
        contact = client.get("/crm/contacts/s-contact", params=params).json()
        assert contact["emails"] != ["a@b.io"]
        header = client.get("/insights/keyword-rules", headers=_as("s-manager"))
    assert header.status_code == 400
    assert header.json()["error"]["code"] == "scope_not_supported"


def test_another_account_is_not_found_and_the_header_needs_one(insights: Insights) -> None:
    account = insights.account
    with insights.stack.client() as client:
        token = _token(client, account, "s-member")
        other = insights.stack.link_account(client)
        headerless = [client.get(path, headers=_as("s-member")) for path in (FEED, DEALS)]
    elsewhere = {"integrated_account_id": other}
    with insights.stack.client(token) as scoped:
        responses = [
            scoped.get(FEED, params=elsewhere),
            scoped.get(DEALS, params=elsewhere),
            scoped.get(f"{DEALS}/{sorted(insights.deals)[0]}", params=elsewhere),
            scoped.get(ANALYTICS, params=elsewhere),
            scoped.get(f"{ANALYTICS}.csv", params=elsewhere),
            scoped.get("/crm/contacts/s-contact/activities", params=elsewhere),
            scoped.get("/crm/companies/s-company/activities", params=elsewhere),
        ]
    for response in responses:
        assert response.status_code == 404, (response.request.url, response.text)
        assert response.json()["error"]["code"] == "integrated_account_not_found"
    for response in headerless:
        assert response.status_code == 400, response.text
        assert response.json()["error"]["param"] == "integrated_account_id"


def test_a_scoped_cursor_is_bound_to_its_app_user(insights: Insights) -> None:
    params = {"integrated_account_id": insights.account, "limit": 1}
    paths = (FEED, DEALS, ANALYTICS, "/crm/companies/s-company/activities")
    with insights.stack.client() as client:
        for path in paths:
            first = client.get(path, params=params, headers=_as("s-admin")).json()
            assert first["next_cursor"], path
            again = {**params, "next_cursor": first["next_cursor"]}
            mine = client.get(path, params=again, headers=_as("s-admin"))
            theirs = client.get(path, params=again, headers=_as("s-manager"))
            assert mine.status_code == 200, (path, mine.text)
            assert theirs.status_code == 400, (path, theirs.text)
            assert theirs.json()["error"]["code"] == "invalid_cursor"
