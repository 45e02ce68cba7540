"""Auth on every Chorus route: raw or Bearer token; 401 JSON:API otherwise."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from parley.sandbox import SandboxServer

CHORUS_PATHS = ["/api/v1/users/me", "/v3/users", "/api/v1/teams", "/v3/engagements"]


@pytest.mark.parametrize("scheme", ["{token}", "Bearer {token}", "bearer {token}"])
def test_raw_and_bearer_tokens_are_accepted(
    sandbox: SandboxServer, anon: httpx.Client, scheme: str
) -> None:
    headers = {"Authorization": scheme.format(token=sandbox.token)}

    for path in CHORUS_PATHS:
        assert anon.get(path, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "", "not-a-token", "Bearer", "Basic dXNlcjpwYXNz", "Token {token}", "{token}x"],
)
def test_anything_else_is_a_jsonapi_401(
    sandbox: SandboxServer, anon: httpx.Client, validate: Any, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header.format(token=sandbox.token)}

    for path in [*CHORUS_PATHS, "/api/v1/conversations/" + "A" * 32]:
        response = anon.get(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/vnd.api+json"
        validate(response.json(), "#/components/schemas/Error")
        error = response.json()["errors"][0]
        assert (error["status"], error["title"], error["code"]) == ("401", "Unauthorized", "ZI0001")


def test_added_token_acts_as_its_user(admin: httpx.Client, fresh_client: httpx.Client) -> None:
    users = fresh_client.get("/v3/users").json()
    rep = next(u for u in users if u["role"] == "rep")

    added = admin.post("/_sandbox/tokens", json={"token": "rep-token", "user_id": rep["id"]})
    me = admin.get("/api/v1/users/me", headers={"Authorization": "rep-token"})

    assert added.status_code == 201
    assert me.status_code == 200
    assert me.json()["data"]["id"] == str(rep["id"])


def test_revoked_token_gets_401(admin: httpx.Client) -> None:
    admin.post("/_sandbox/tokens", json={"token": "short-lived"})
    headers = {"Authorization": "Bearer short-lived"}
    before = admin.get("/api/v1/teams", headers=headers)

    revoked = admin.delete("/_sandbox/tokens/short-lived")
    after = admin.get("/api/v1/teams", headers=headers)

    assert (before.status_code, revoked.status_code, after.status_code) == (200, 204, 401)
    assert admin.delete("/_sandbox/tokens/short-lived").status_code == 404


def test_admin_routes_need_no_token(
    fresh: SandboxServer, admin: httpx.Client, fresh_client: httpx.Client
) -> None:
    me = fresh_client.get("/api/v1/users/me").json()

    assert admin.get("/_sandbox/stats").status_code == 200
    info = admin.get("/_sandbox").json()
    assert info["tokens"] == {fresh.token: int(me["data"]["id"])}
