"""The SDK's insight resources against a live server after a real sync.

Each resource is read through the SDK and through raw HTTP in the same state: the SDK must
yield the same items, every page followed, and each typed field it declares must be one the
server sends (a renamed field would otherwise parse silently as its default).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_stack import Stack, synced_stack
from pydantic import BaseModel
from test_scoping_api import _people, _truth

from parley import PermissionDeniedError
from parley.sandbox.config import SandboxConfig
from parley.sdk import Client
from parley.sdk import insight_models as im
from parley.sdk import models as m

PHRASES = ["security", "price"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    """One SQLite stack synced from a 60-meeting sandbox (the PG paths are covered by the
    HTTP tests of each route; this file is about the SDK's reading of them)."""
    tmp = tmp_path_factory.mktemp("sdk-insights")
    with synced_stack("sqlite", tmp, None, SandboxConfig(seed=8, meetings=60)) as running:
        yield running


def _raw_all(raw: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query = dict(params)
    while True:
        response = raw.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["result"]
        if not body["next_cursor"]:
            return items
        query["next_cursor"] = body["next_cursor"]


def _declared_fields_sent(model: type[BaseModel], raw: dict[str, Any]) -> None:
    """Every field the SDK model declares is one the server sent."""
    missing = set(model.model_fields) - set(raw)
    assert not missing, f"{model.__name__} declares fields the server does not send: {missing}"


def _wait_backfill(client: Client, rule_id: str) -> im.KeywordRule:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rule = client.keyword_rules.get(rule_id)
        assert rule.backfill is not None
        if rule.backfill.status == "completed":
            return rule
        time.sleep(0.2)
    raise AssertionError("the rule's backfill did not complete")


def test_snippets_of_a_backfilled_rule_match_the_feed(live: tuple[Stack, str]) -> None:
    stack, account = live
    with Client(stack.api_key, stack.url) as client, stack.client() as raw:
        rule = client.keyword_rules.create("pricing", PHRASES, integrated_account_id=account)
        assert rule.id in {r.id for r in client.keyword_rules.list()}
        done = _wait_backfill(client, rule.id)
        assert done.backfill is not None
        assert done.backfill.snippets > 0
        sdk = list(client.snippets.list(rule_id=rule.id, limit=7))
        expected = _raw_all(raw, "/insights/snippets", {"rule_id": rule.id, "limit": 50})
    assert [s.id for s in sdk] == [s["id"] for s in expected]
    assert len({s.id for s in sdk}) == len(sdk) == done.backfill.snippets
    assert all(isinstance(s, im.Snippet) and s.rule_id == rule.id for s in sdk)
    assert all(any(p in s.text.lower() for p in PHRASES) for s in sdk)
    _declared_fields_sent(im.Snippet, expected[0])
    _declared_fields_sent(im.KeywordRule, raw_rule(stack, rule.id))


def raw_rule(stack: Stack, rule_id: str) -> dict[str, Any]:
    with stack.client() as raw:
        body: dict[str, Any] = raw.get(f"/insights/keyword-rules/{rule_id}").json()
    return body


def test_deals_and_one_deal_read_as_the_api_answers(live: tuple[Stack, str]) -> None:
    stack, account = live
    with Client(stack.api_key, stack.url) as client, stack.client() as raw:
        sdk = list(client.deals.list(account, limit=3))
        expected = _raw_all(raw, "/insights/deals", {"integrated_account_id": account, "limit": 3})
        assert expected, "the sandbox's CRM holds deals"
        one = client.deals.get(sdk[0].id, account)
        raw_one = raw.get(
            f"/insights/deals/{sdk[0].id}", params={"integrated_account_id": account}
        ).json()
    assert [d.id for d in sdk] == [d["id"] for d in expected]
    assert one.risk.score == raw_one["risk"]["score"]
    assert [s.type for s in one.risk.signals] == [s["type"] for s in raw_one["risk"]["signals"]]
    _declared_fields_sent(im.Deal, expected[0])
    _declared_fields_sent(im.DealRisk, expected[0]["risk"])


def test_analytics_follows_every_page_and_equals_the_report(live: tuple[Stack, str]) -> None:
    stack, account = live
    with Client(stack.api_key, stack.url) as client, stack.client() as raw:
        report = client.analytics(account, group_by="week", limit=2)
        rows = _raw_all(
            raw, "/insights/analytics", {"integrated_account_id": account, "group_by": "week"}
        )
        totals = raw.get(
            "/insights/analytics", params={"integrated_account_id": account, "group_by": "week"}
        ).json()["totals"]
    assert len(rows) > 2, "more weeks than one page of two"
    assert [r.key for r in report.result] == [r["key"] for r in rows]
    assert [r.meetings for r in report.result] == [r["meetings"] for r in rows]
    assert report.totals.meetings == totals["meetings"] == sum(r["meetings"] for r in rows)
    _declared_fields_sent(m.AnalyticsRow, rows[0])


def test_search_yields_every_hit_of_the_api(live: tuple[Stack, str]) -> None:
    stack, account = live
    with Client(stack.api_key, stack.url) as client, stack.client() as raw:
        sdk = list(client.search("price", account, limit=5))
        expected = _raw_all(
            raw, "/search", {"q": "price", "integrated_account_id": account, "limit": 50}
        )
    assert len(expected) > 5
    assert [(h.meeting_id, h.index) for h in sdk] == [
        (h["meeting_id"], h["index"]) for h in expected
    ]
    _declared_fields_sent(m.SearchHit, expected[0])


def test_a_crm_contacts_call_log_lists_the_meetings_they_attend(live: tuple[Stack, str]) -> None:
    stack, account = live
    guest = next(
        g.email
        for meeting in stack.sandbox.state.store.newest_first()
        if meeting.status == "done"
        for g in meeting.guests
    )
    with Client(stack.api_key, stack.url) as client, stack.client() as raw:
        contact = client.crm.contacts.upsert("c-sdk-1", account, emails=[guest], name="Guest")
        assert isinstance(contact, m.Contact)
        assert contact.emails == [guest]
        log = list(client.crm.contacts.activities("c-sdk-1", account, limit=2))
        expected = _raw_all(
            raw, "/crm/contacts/c-sdk-1/activities", {"integrated_account_id": account, "limit": 2}
        )
    assert log
    assert [a.meeting_id for a in log] == [a["meeting_id"] for a in expected]
    assert all(a.matched_by == "email" and a.attendee.email == guest for a in log)
    _declared_fields_sent(m.Activity, expected[0])


def test_a_scoped_token_client_reads_only_its_users_meetings_and_cannot_write(
    live: tuple[Stack, str],
) -> None:
    stack, account = live
    truth = _truth(stack)
    rep, _, _ = _people(truth)
    with Client(stack.api_key, stack.url) as admin:
        mapping = admin.user_mappings.put(
            "sdk-member", account, provider_user_id=rep, role="member"
        )
        assert mapping.resolved
        assert mapping.role == "member"
        token = admin.scoped_tokens.create("sdk-member", account, ttl_seconds=600)
        everyone = {meeting.id for meeting in admin.meetings.list(account, source="store")}
    owned = truth.visible(rep, "member")
    with Client(token.token, stack.url) as member:
        seen = [meeting.id for meeting in member.meetings.list(account, source="store", limit=4)]
        with pytest.raises(PermissionDeniedError) as refused:
            member.keyword_rules.create("nope", ["x"])
    assert len(seen) == len(set(seen))
    assert set(seen) < everyone
    assert set(seen) == owned & everyone
    assert refused.value.status == 403
    assert refused.value.request_id
