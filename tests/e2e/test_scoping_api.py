"""App users, visibility and scoped tokens end to end over HTTP, after a real sync.

What each app user should see is computed here from the sandbox's own Chorus API (its users,
teams, engagements and conversations), never from Parley's code: a member sees the meetings
they own or attend, a manager those of everyone reporting to them (team members and the
`manager_id` chain), an admin all of them; private meetings only their owner and admins.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from e2e_stack import (
    BACKENDS,
    Stack,
    synced_stack,
)
from test_store_search_api import pages

from parley.insights.scoped_tokens import ScopedTokens
from parley.sandbox.config import SandboxConfig
from parley.security.vault import Vault

UNIFIED = "/unified/conversational-intelligence"
MEETINGS = f"{UNIFIED}/meetings"


@dataclass(frozen=True)
class Truth:
    """The sandbox's org and meetings, as its Chorus API sends them."""

    users: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    meetings: list[dict[str, Any]]  # engagement rows, each with "private" from its conversation

    def user(self, user_id: str) -> dict[str, Any]:
        return next(u for u in self.users if str(u["id"]) == user_id)

    def reports(self, manager: str) -> set[str]:
        """Members of the teams `manager` manages, and everyone whose `manager_id` chain
        leads to them."""
        found, todo = {manager}, [manager]
        while todo:
            boss = todo.pop()
            for u in self.users:
                if str(u.get("manager_id")) == boss and str(u["id"]) not in found:
                    found.add(str(u["id"]))
                    todo.append(str(u["id"]))
        for t in self.teams:
            if str(t["attributes"].get("manager")) == manager:
                found |= {str(m) for m in t["attributes"].get("users") or ()}
        return found - {manager}

    def involved(self, people: set[str]) -> set[str]:
        """Meetings owned or attended (by user id or email) by any of `people`."""
        emails = {self.user(p)["email"].lower() for p in people}
        seen = set()
        for m in self.meetings:
            attendees = m.get("participants") or []
            if (
                str(m.get("user_id")) in people
                or any(str(a.get("user_id")) in people for a in attendees if a.get("user_id"))
                or any((a.get("email") or "").lower() in emails for a in attendees)
            ):
                seen.add(m["engagement_id"])
        return seen

    def visible(self, user_id: str, role: str) -> set[str]:
        if role == "admin":
            return {m["engagement_id"] for m in self.meetings}
        people = {user_id} | (self.reports(user_id) if role == "manager" else set())
        private = {m["engagement_id"] for m in self.meetings if m["private"]}
        own = {m["engagement_id"] for m in self.meetings if str(m.get("user_id")) == user_id}
        return {m for m in self.involved(people) if m not in private or m in own}


def _truth(stack: Stack) -> Truth:
    sandbox = httpx.Client(
        base_url=stack.sandbox.url, headers={"Authorization": stack.sandbox.token}, timeout=60
    )
    with sandbox:
        users = sandbox.get("/v3/users").json()
        teams = sandbox.get("/api/v1/teams").json()["data"]
        rows: list[dict[str, Any]] = []
        key = None
        while True:
            body = sandbox.get(
                "/v3/engagements", params={"continuation_key": key} if key else {}
            ).json()
            rows += body["engagements"]
            key = body.get("continuation_key")
            if not body["engagements"] or not key:
                break
        for row in rows:
            doc = sandbox.get(f"/api/v1/conversations/{row['engagement_id']}").json()
            # Chorus says so on the conversation, which a sync fetches for completed calls
            # (docs/api.md): an upcoming or unprocessed call is not known to be private yet.
            completed = row.get("processing_state") == "done" and not row.get("no_show")
            row["private"] = completed and doc["data"]["attributes"].get("private") is True
    return Truth(users, teams, rows)


@dataclass
class Synced:
    stack: Stack
    account: str
    truth: Truth


@pytest.fixture(scope="module", params=BACKENDS)
def synced(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[Synced]:
    """A stack whose account is fully synced from a 90-meeting sandbox."""
    tmp = tmp_path_factory.mktemp("scoping-stack")
    with synced_stack(request.param, tmp, postgres_server, SandboxConfig(seed=5, meetings=90)) as (
        stack,
        account,
    ):
        yield Synced(stack, account, _truth(stack))


def _people(truth: Truth) -> tuple[str, str, str]:
    """A rep with meetings, a manager with reports and the sandbox's admin (ids)."""
    by_role = {
        role: [str(u["id"]) for u in truth.users if u["role"] == role]
        for role in ("rep", "manager", "admin")
    }
    rep = max(by_role["rep"], key=lambda u: len(truth.involved({u})))
    manager = next(m for m in by_role["manager"] if rep in truth.reports(m))
    return rep, manager, (by_role["admin"] or by_role["manager"])[0]


def _map(client: httpx.Client, account: str, app_user: str, body: dict[str, Any]) -> Any:
    response = client.put(
        f"/user-mappings/{app_user}", params={"integrated_account_id": account}, json=body
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def _seen_as(client: httpx.Client, account: str, headers: dict[str, str]) -> list[str]:
    params = {"integrated_account_id": account, "source": "store", "limit": 7}
    seen: list[str] = []
    cursor = None
    while True:
        query = {**params, **({"next_cursor": cursor} if cursor else {})}
        response = client.get(MEETINGS, params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["result"]) <= 7
        seen += [m["id"] for m in body["result"]]
        if (cursor := body["next_cursor"]) is None:
            return seen


def _token(client: httpx.Client, account: str, app_user: str, **extra: Any) -> str:
    response = client.post(
        "/scoped-tokens",
        json={"integrated_account_id": account, "app_user_id": app_user, **extra},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"].startswith("pst_")
    assert body["expires_at"]
    return str(body["token"])


def test_member_manager_and_admin_each_page_exactly_their_meetings(synced: Synced) -> None:
    stack, account, truth = synced.stack, synced.account, synced.truth
    rep, manager, admin = _people(truth)
    expected = {
        "ann": truth.visible(rep, "member"),
        "max": truth.visible(manager, "manager"),
        "ada": truth.visible(admin, "admin"),
    }
    # Not vacuous: each set is non-empty, and each role sees more than the one before (the
    # member's own private meetings aside: their manager does not see those).
    private = {m["engagement_id"] for m in truth.meetings if m["private"]}
    assert expected["ann"]
    assert expected["ann"] - private < expected["max"] < expected["ada"]
    with stack.client() as client:
        _map(client, account, "ann", {"provider_user_id": rep, "role": "member"})
        # By email, in another case: resolved against the synced users.
        email = truth.user(manager)["email"].upper()
        mapped = _map(client, account, "max", {"email": email, "role": "manager"})
        assert mapped["resolved"] is True
        assert mapped["provider_user_id"] == manager
        _map(client, account, "ada", {"provider_user_id": admin, "role": "admin"})
        for app_user, want in expected.items():
            seen = _seen_as(client, account, {"Parley-As-User": app_user})
            assert len(seen) == len(set(seen)), app_user  # each once across pages
            assert set(seen) == want, app_user
        # A manager two levels up (managers report to them, reps to the managers): the chain
        # is followed, so meetings only reps attend are theirs too.
        chief = truth.user(admin)
        direct = {str(u["id"]) for u in truth.users if str(u.get("manager_id")) == admin}
        deeper = truth.reports(admin) - direct
        only_deeper = truth.involved(deeper) - truth.involved(direct | {admin}) - private
        assert only_deeper, "the sandbox must hold meetings only second-level reports attend"
        _map(client, account, "chief", {"email": chief["email"], "role": "manager"})
        chief_sees = set(_seen_as(client, account, {"Parley-As-User": "chief"}))
        assert chief_sees == truth.visible(admin, "manager")
        assert only_deeper <= chief_sees
        # The same through a scoped token (no API key at all).
        token = _token(client, account, "max")
    with stack.client(token) as scoped:
        assert set(_seen_as(scoped, account, {})) == expected["max"]


def test_a_meeting_outside_the_scope_is_not_found_everywhere(synced: Synced) -> None:
    stack, account, truth = synced.stack, synced.account, synced.truth
    rep, _, _ = _people(truth)
    visible = truth.visible(rep, "member")
    hidden = sorted({m["engagement_id"] for m in truth.meetings} - visible)[0]
    shown = sorted(visible)[0]
    base = {"integrated_account_id": account, "source": "store"}
    as_ann = {"Parley-As-User": "ann2"}
    with stack.client() as client:
        _map(client, account, "ann2", {"provider_user_id": rep, "role": "member"})
        ok = client.get(f"{MEETINGS}/{shown}", params=base, headers=as_ann)
        assert ok.status_code == 200
        assert ok.json()["id"] == shown
        transcripts = client.get(
            f"{UNIFIED}/transcripts", params={**base, "meeting_id": shown}, headers=as_ann
        )
        assert transcripts.status_code == 200
        assert transcripts.json()["result"]
        for path, params in (
            (f"{MEETINGS}/{hidden}", base),
            (f"{UNIFIED}/transcripts", {**base, "meeting_id": hidden}),
            (f"{MEETINGS}/{hidden}/recording", {"integrated_account_id": account}),
        ):
            response = client.get(path, params=params, headers=as_ann, follow_redirects=False)
            assert response.status_code == 404, (path, response.text)
            assert response.json()["error"]["code"] == "meeting_not_found"
        # Without the header the developer's key still sees it.
        assert client.get(f"{MEETINGS}/{hidden}", params=base).status_code == 200


def test_search_as_a_user_finds_only_their_meetings(synced: Synced) -> None:
    stack, account, truth = synced.stack, synced.account, synced.truth
    rep, _, _ = _people(truth)
    visible = truth.visible(rep, "member")
    params = {"integrated_account_id": account, "q": "pricing OR budget OR team", "limit": 100}
    with stack.client() as client:
        _map(client, account, "ann3", {"provider_user_id": rep, "role": "member"})
        everyone = pages(client, "/search", params)
        scoped = pages_as(client, "/search", params, {"Parley-As-User": "ann3"})
        token = _token(client, account, "ann3")
    # A scoped token searches its own account when none is given.
    without_account = {k: v for k, v in params.items() if k != "integrated_account_id"}
    with stack.client(token) as as_token:
        by_token = pages_as(as_token, "/search", without_account, {})
    everything = {h["meeting_id"] for h in everyone}
    assert everything - visible, "the query must hit meetings the member cannot see"
    assert {h["meeting_id"] for h in scoped} == everything & visible != set()
    assert [h["meeting_id"] for h in by_token] == [h["meeting_id"] for h in scoped]


def pages_as(
    client: httpx.Client, path: str, params: dict[str, Any], headers: dict[str, str]
) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"next_cursor": cursor} if cursor else {})}
        response = client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        seen += response.json()["result"]
        if (cursor := response.json()["next_cursor"]) is None:
            return seen


def test_private_meetings_are_seen_by_owner_and_admin_only(synced: Synced) -> None:
    stack, account, truth = synced.stack, synced.account, synced.truth
    private = {m["engagement_id"]: str(m["user_id"]) for m in truth.meetings if m["private"]}
    if not private:
        pytest.skip(
            "this sandbox marks no meeting private "
            "(tests/integration/search/test_scoped_store.py covers the rule)"
        )
    meeting, owner = sorted(private.items())[0]
    row = next(m for m in truth.meetings if m["engagement_id"] == meeting)
    others = {str(a["user_id"]) for a in row.get("participants") or () if a.get("user_id")}
    base = {"integrated_account_id": account, "source": "store"}
    with stack.client() as client:
        _map(client, account, "owner", {"provider_user_id": owner, "role": "member"})
        _map(client, account, "boss", {"provider_user_id": owner, "role": "admin"})
        seen = {
            who: client.get(f"{MEETINGS}/{meeting}", params=base, headers={"Parley-As-User": who})
            for who in ("owner", "boss")
        }
        assert all(r.status_code == 200 for r in seen.values())
        for other in sorted(others - {owner}):
            _map(client, account, f"co-{other}", {"provider_user_id": other, "role": "manager"})
            response = client.get(
                f"{MEETINGS}/{meeting}", params=base, headers={"Parley-As-User": f"co-{other}"}
            )
            assert response.status_code == 404


def test_unmapped_unresolved_and_revoked_users_see_nothing(synced: Synced) -> None:
    stack, account = synced.stack, synced.account
    with stack.client() as client:
        unresolved = _map(
            client, account, "ghost", {"email": "nobody@nowhere.example", "role": "admin"}
        )
        assert unresolved["resolved"] is False
        assert _seen_as(client, account, {"Parley-As-User": "stranger"}) == []
        assert _seen_as(client, account, {"Parley-As-User": "ghost"}) == []
        admin = _map(
            client, account, "temp", {"provider_user_id": _people(synced.truth)[2], "role": "admin"}
        )
        assert admin["resolved"]
        token = _token(client, account, "temp")
        with stack.client(token) as scoped:
            assert _seen_as(scoped, account, {})
        deleted = client.delete("/user-mappings/temp", params={"integrated_account_id": account})
        assert deleted.status_code == 204
        # Mapped again: the token minted for the deleted mapping still sees nothing.
        _map(
            client, account, "temp", {"provider_user_id": _people(synced.truth)[2], "role": "admin"}
        )
        with stack.client(token) as scoped:
            assert _seen_as(scoped, account, {}) == []


def test_scoped_tokens_read_only_and_refuse_forged_or_expired(synced: Synced) -> None:
    stack, account, truth = synced.stack, synced.account, synced.truth
    with stack.client() as client:
        _map(client, account, "tok", {"provider_user_id": _people(truth)[0], "role": "member"})
        token = _token(client, account, "tok", ttl_seconds=60)
        too_long = client.post(
            "/scoped-tokens",
            json={"integrated_account_id": account, "app_user_id": "tok", "ttl_seconds": 86401},
        )
        assert too_long.status_code == 400
        assert too_long.json()["error"]["param"] == "ttl_seconds"
    signer = Vault.from_settings(stack.api.settings).signer(b"scoped-token")
    grant = ScopedTokens(signer).verify(token)
    expired, _ = ScopedTokens(signer, clock=lambda: time.time() - 3600).mint(grant, 60)
    payload, mac = token.split(".")
    forged = f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{mac}"
    store = {"integrated_account_id": account, "source": "store"}
    with stack.client(token) as scoped:
        assert scoped.get(MEETINGS, params=store).status_code == 200
        writes = [
            scoped.post("/webhooks", json={"url": "https://example.com/h", "events": ["*"]}),
            scoped.put(
                "/user-mappings/tok",
                params={"integrated_account_id": account},
                json={"provider_user_id": "1", "role": "admin"},
            ),
            scoped.post(
                "/scoped-tokens", json={"integrated_account_id": account, "app_user_id": "tok"}
            ),
            scoped.post(f"/integrated-accounts/{account}/sync", json={}),
        ]
        for response in writes:
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "forbidden"
        # Reads outside the scoped routes need the developer's key too.
        assert scoped.get("/integrated-accounts").status_code == 403
        assert (
            scoped.get("/user-mappings", params={"integrated_account_id": account}).status_code
            == 403
        )
        live = scoped.get(MEETINGS, params={"integrated_account_id": account})
        assert live.status_code == 400
        assert live.json()["error"]["code"] == "scope_requires_store"
    for bad, code in ((expired, "scoped_token_expired"), (forged, "invalid_scoped_token")):
        with stack.client(bad) as refused:
            response = refused.get(MEETINGS, params=store)
            assert response.status_code == 401, response.text
            assert response.json()["error"]["code"] == code


def test_a_token_reads_its_own_account_only(synced: Synced) -> None:
    stack, account, truth = synced.stack, synced.account, synced.truth
    with stack.client() as client:
        _map(client, account, "solo", {"provider_user_id": _people(truth)[0], "role": "member"})
        token = _token(client, account, "solo")
        other = stack.link_account(client)
    with stack.client(token) as scoped:
        for params in ({"integrated_account_id": other, "source": "store"},):
            response = scoped.get(MEETINGS, params=params)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "integrated_account_not_found"
        response = scoped.get("/search", params={"q": "pricing", "integrated_account_id": other})
        assert response.status_code == 404


def test_the_header_on_a_route_without_scope_and_live_reads(synced: Synced) -> None:
    stack, account = synced.stack, synced.account
    with stack.client() as client:
        refused = client.get("/webhooks", headers={"Parley-As-User": "ann"})
        live = client.get(
            MEETINGS, params={"integrated_account_id": account}, headers={"Parley-As-User": "ann"}
        )
        search = client.get("/search", params={"q": "pricing"}, headers={"Parley-As-User": "ann"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "scope_not_supported"
    assert live.status_code == 400
    assert live.json()["error"]["code"] == "scope_requires_store"
    assert search.status_code == 400
    assert search.json()["error"]["param"] == "integrated_account_id"


def test_user_mapping_routes(synced: Synced) -> None:
    stack, account, truth = synced.stack, synced.account, synced.truth
    emails = [u["email"] for u in truth.users[:3]]
    q = {"integrated_account_id": account}
    with stack.client() as client:
        batch = client.post(
            "/user-mappings/batch",
            params=q,
            json=[
                {"app_user_id": "b1", "email": emails[0].upper(), "role": "member"},
                {"app_user_id": "b2", "email": "missing@nowhere.example", "role": "manager"},
                {"app_user_id": "b3", "email": emails[1], "role": "owner"},  # bad role
                {"app_user_id": "b4", "email": emails[2], "role": "admin"},
            ],
        )
        assert batch.status_code == 200, batch.text
        body = batch.json()
        assert (body["created"], body["updated"], body["unresolved"]) == (3, 0, 1)
        assert [e["index"] for e in body["errors"]] == [2]
        resolved = {r["app_user_id"]: r["resolved"] for r in body["result"]}
        assert resolved == {"b1": True, "b2": False, "b4": True}
        replaced = client.put(
            "/user-mappings/b1", params=q, json={"email": emails[0], "role": "manager"}
        )
        assert replaced.status_code == 200
        assert replaced.json()["role"] == "manager"
        both = client.put(
            "/user-mappings/b9",
            params=q,
            json={"email": emails[0], "provider_user_id": "1", "role": "member"},
        )
        assert both.status_code == 400
        got = client.get("/user-mappings/b4", params=q).json()
        assert got["resolved"]
        assert got["role"] == "admin"
        assert got["email"] == emails[2].lower()
        listed = pages(client, "/user-mappings", {**q, "limit": 2})
        ids = [m["app_user_id"] for m in listed]
        assert ids == sorted(ids)
        assert {"b1", "b2", "b4"} <= set(ids)
        assert client.delete("/user-mappings/b2", params=q).status_code == 204
        gone = client.get("/user-mappings/b2", params=q)
        assert gone.status_code == 404
        assert gone.json()["error"]["code"] == "user_mapping_not_found"
        unknown = client.post(
            "/scoped-tokens", json={"integrated_account_id": account, "app_user_id": "b2"}
        )
        assert unknown.status_code == 404
