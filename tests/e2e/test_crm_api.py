"""The CRM call log over HTTP after a real sync: contacts, companies, activities, unmatched.

One account per backend, fully synced from the sandbox; expected meetings come from the
sandbox's own attendees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_stack import (
    BACKENDS,
    Stack,
    synced_stack,
)

from parley.sandbox.config import SandboxConfig
from parley.sandbox.meetings import Meeting as SandboxMeeting


@pytest.fixture(scope="module", params=BACKENDS)
def synced(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[tuple[Stack, str]]:
    """A stack whose account is fully synced from a 60-meeting sandbox."""
    tmp = tmp_path_factory.mktemp("crm-stack")
    with synced_stack(request.param, tmp, postgres_server, SandboxConfig(seed=5, meetings=60)) as (
        stack,
        account,
    ):
        yield stack, account


def _meetings(stack: Stack) -> list[SandboxMeeting]:
    return list(stack.sandbox.state.store.newest_first())


def _pages(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        response = client.get(
            path, params={**params, **({"next_cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["result_count"] == len(body["result"])
        seen += body["result"]
        if (cursor := body["next_cursor"]) is None:
            return seen


def _put(client: httpx.Client, path: str, account: str, body: dict[str, Any]) -> httpx.Response:
    return client.put(path, params={"integrated_account_id": account}, json=body)


def _activity_ids(client: httpx.Client, path: str, account: str, limit: int = 3) -> list[str]:
    found = _pages(client, f"{path}/activities", {"integrated_account_id": account, "limit": limit})
    return [a["meeting_id"] for a in found]


def _delete(client: httpx.Client, path: str, account: str) -> None:
    assert client.delete(path, params={"integrated_account_id": account}).status_code == 200


def test_a_contact_lists_exactly_its_guests_meetings_newest_first(
    synced: tuple[Stack, str],
) -> None:
    stack, account = synced
    meetings = _meetings(stack)
    guest = meetings[0].guests[0]
    expected = [m.id for m in meetings if guest.email in {g.email for g in m.guests}]
    local, _, domain = guest.email.partition("@")
    variant = f"  {local.upper()}+crm@{domain.title()} "
    with stack.client() as client:
        created = _put(client, "/crm/contacts/c-guest", account, {"emails": [guest.email]})
        replaced = _put(
            client, "/crm/contacts/c-guest", account, {"emails": [variant], "name": guest.name}
        )
        listed = _activity_ids(client, "/crm/contacts/c-guest", account)
        one = client.get(
            "/crm/contacts/c-guest/activities", params={"integrated_account_id": account}
        ).json()["result"][0]
        _delete(client, "/crm/contacts/c-guest", account)

    assert created.status_code == 201
    assert replaced.status_code == 200
    assert replaced.json()["emails"] == [variant.strip()]
    assert listed == expected
    assert one["matched_by"] == "email"
    assert one["attendee"]["email"] == guest.email
    assert one["playback_url"].startswith(f"{stack.url}/unified/conversational-intelligence/")
    assert set(one) == {
        "meeting_id", "title", "start_time", "end_time", "duration", "status", "matched_by",
        "attendee", "owner", "summary", "action_items", "topics", "web_url",
        "audio_recording_url", "video_recording_url", "playback_url", "transcript_url",
    }  # fmt: skip


def test_a_company_lists_its_employees_meetings_and_no_one_elses(
    synced: tuple[Stack, str],
) -> None:
    stack, account = synced
    meetings = _meetings(stack)
    company = meetings[-1].company
    expected = [
        m.id for m in meetings if any(g.email.endswith(f"@{company.domain}") for g in m.guests)
    ]
    with stack.client() as client:
        response = _put(
            client,
            "/crm/companies/co-1",
            account,
            {"domains": [company.domain.upper(), "gmail.com"], "name": company.name},
        )
        listed = _activity_ids(client, "/crm/companies/co-1", account, limit=4)
        first = client.get(
            "/crm/companies/co-1/activities", params={"integrated_account_id": account}
        ).json()["result"][0]
        _delete(client, "/crm/companies/co-1", account)

    assert response.status_code == 201
    assert response.json()["domains"] == [company.domain, "gmail.com"]
    assert listed == expected
    assert first["matched_by"] == "domain"
    assert first["attendee"]["email"].endswith(f"@{company.domain}")


def test_a_batch_stores_the_good_rows_and_reports_the_bad(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    body = {
        "contacts": [
            {"external_id": "b-1", "emails": ["one@batch.example"]},
            {"external_id": "b-2", "emails": ["not-an-email"]},
            {"external_id": "b-3", "emails": ["three@batch.example"], "metadata": {"tier": 1}},
        ]
    }
    with stack.client() as client:
        params = {"integrated_account_id": account}
        response = client.post("/crm/contacts/batch", params=params, json=body)
        statuses = [
            client.get(f"/crm/contacts/b-{i}", params=params).status_code for i in (1, 2, 3)
        ]
        missing = client.get("/crm/contacts/b-2", params=params).json()
        listed = client.get("/crm/contacts", params={**params, "email": "ONE+x@batch.example"})
        for i in (1, 3):
            _delete(client, f"/crm/contacts/b-{i}", account)

    assert response.status_code == 200
    result = response.json()
    assert (result["created"], result["updated"]) == (2, 0)
    [error] = result["errors"]
    assert error["index"] == 1
    assert error["error"]["code"] == "invalid_request"
    assert error["error"]["param"] == "contacts[1].emails[0]"
    assert statuses == [200, 404, 200]
    assert missing["error"]["code"] == "crm_contact_not_found"
    assert [c["external_id"] for c in listed.json()["result"]] == ["b-1"]


def test_unmatched_attendees_are_exactly_the_guests_matching_nothing(
    synced: tuple[Stack, str],
) -> None:
    stack, account = synced
    meetings = _meetings(stack)
    companies = sorted({m.company.domain for m in meetings})
    company = companies[0]

    def normal(email: str) -> str:
        # The contract's normal form: trimmed, lower case, a +tag dropped from the local part.
        local, _, domain = email.strip().lower().partition("@")
        return f"{local.split('+', 1)[0]}@{domain}"

    def at_company(email: str) -> bool:
        domain = normal(email).partition("@")[2]
        return domain == company or domain.endswith(f".{company}")

    contact = next(g for g in meetings[0].guests if not at_company(g.email))
    seen: dict[str, set[str]] = defaultdict(set)
    for m in meetings:
        for g in m.guests:
            seen[normal(g.email)].add(m.id)
    expected = {
        email: len(ids)
        for email, ids in seen.items()
        if email != normal(contact.email) and not at_company(email)
    }
    with stack.client() as client:
        _put(client, "/crm/companies/co-u", account, {"domains": [company]})
        _put(client, "/crm/contacts/c-u", account, {"emails": [contact.email]})
        rows = _pages(
            client, "/crm/unmatched-attendees", {"integrated_account_id": account, "limit": 7}
        )
        _delete(client, "/crm/companies/co-u", account)
        _delete(client, "/crm/contacts/c-u", account)

    assert {r["email"]: r["meetings"] for r in rows} == expected
    assert [(-r["meetings"], r["email"]) for r in rows] == sorted(
        (-r["meetings"], r["email"]) for r in rows
    )
    assert all(r["last_seen"] and r["company_name"] for r in rows)


def test_another_tenants_account_is_a_404(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    other = stack.new_tenant_key("globex-crm")
    with stack.client(other) as client:
        params = {"integrated_account_id": account}
        answers = [
            client.get("/crm/contacts", params=params),
            client.put("/crm/contacts/c-1", params=params, json={"emails": ["a@b.example"]}),
            client.get("/crm/unmatched-attendees", params=params),
            client.get("/crm/companies/co-1/activities", params=params),
        ]
    for answer in answers:
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "integrated_account_not_found"


BAD = "invalid_request"


@pytest.mark.parametrize(
    ("method", "path", "params", "param", "code"),
    [
        ("GET", "/crm/contacts", {"colour": "red"}, "colour", "unknown_parameter"),
        ("GET", "/crm/companies", {"email": "a@b.example"}, "email", "unknown_parameter"),
        ("GET", "/crm/contacts", {"limit": "0"}, "limit", "invalid_request"),
        ("GET", "/crm/contacts", {"email": "nope"}, "email", "invalid_request"),
        ("GET", "/crm/contacts", {"next_cursor": "x.y"}, "next_cursor", "invalid_cursor"),
        ("GET", "/crm/contacts", {"integrated_account_id": None}, "integrated_account_id", BAD),
        ("PUT", "/crm/contacts/c-1", {}, "emails", "invalid_request"),
    ],
)  # fmt: skip
def test_parameters_are_strict(
    synced: tuple[Stack, str],
    method: str,
    path: str,
    params: dict[str, str | None],
    param: str,
    code: str,
) -> None:
    stack, account = synced
    query = {k: v for k, v in {"integrated_account_id": account, **params}.items() if v is not None}
    with stack.client() as client:
        response = client.request(method, path, params=query, json={} if method == "PUT" else None)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param
    assert response.json()["error"]["code"] == code
