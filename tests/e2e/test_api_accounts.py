"""Accounts, errors and the proxy end to end; credentials never leak."""

from __future__ import annotations

import logging

import pytest
from e2e_stack import Stack, call

UNIFIED = "/unified/conversational-intelligence"


def test_health_answers_without_a_key(stack: Stack) -> None:
    response = call("GET", f"{stack.url}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("header", [None, "Bearer prl_not_a_real_key", "Basic abc"])
def test_missing_or_bad_key_is_401_in_the_envelope(stack: Stack, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = call("GET", f"{stack.url}/integrated-accounts", headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["status"] == 401
    assert error["remote"] is False
    assert error["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/nowhere", 404), ("PUT", "/health", 405)]
)
def test_framework_errors_use_the_envelope(
    stack: Stack, method: str, path: str, status: int
) -> None:
    response = call(method, f"{stack.url}{path}")
    assert response.status_code == status
    assert response.json()["error"]["status"] == status


def test_linked_account_never_shows_its_token(stack: Stack) -> None:
    with stack.client() as client:
        account_id = stack.link_account(client)
        shown = [
            client.get(f"/integrated-accounts/{account_id}").text,
            client.get("/integrated-accounts").text,
            client.post(f"/integrated-accounts/{account_id}/validate").text,
        ]
    for text in shown:
        assert stack.sandbox.token not in text
    assert '"status":"active"' in shown[0].replace(" ", "")


def test_bad_token_is_refused_before_anything_is_stored(stack: Stack) -> None:
    with stack.client() as client:
        before = client.get("/integrated-accounts").json()["result_count"]
        response = client.post(
            "/integrated-accounts",
            json={
                "integration": "chorus",
                "credentials": {"api_token": "sbx_wrong_token_value"},
                "settings": {"base_url": stack.sandbox.url},
            },
        )
        after = client.get("/integrated-accounts").json()["result_count"]
    assert response.status_code in (400, 422)
    assert "sbx_wrong_token_value" not in response.text
    assert before == after


def test_revoked_token_turns_the_account_needs_reauth(stack: Stack) -> None:
    token = "sbx_revocable_" + "1" * 16
    call("POST", f"{stack.sandbox.url}/_sandbox/tokens", json={"token": token}).raise_for_status()
    with stack.client() as client:
        account_id = stack.link_account(client, token)
        call("DELETE", f"{stack.sandbox.url}/_sandbox/tokens/{token}").raise_for_status()
        response = client.get(f"{UNIFIED}/teams", params={"integrated_account_id": account_id})
        account = client.get(f"/integrated-accounts/{account_id}").json()
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["remote"] is True
    assert error["remote_status"] == 401
    assert token not in response.text
    assert account["status"] == "needs_reauth"


def test_another_tenants_account_is_not_found(stack: Stack) -> None:
    with stack.client() as client:
        account_id = stack.link_account(client)
    other_key = stack.new_tenant_key("globex")
    with stack.client(other_key) as other:
        response = other.get(f"/integrated-accounts/{account_id}")
        unified = other.get(f"{UNIFIED}/teams", params={"integrated_account_id": account_id})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "integrated_account_not_found"
    assert unified.status_code == 404


def test_proxy_returns_chorus_answers_verbatim(stack: Stack) -> None:
    with stack.client() as client:
        account_id = stack.link_account(client)
        proxied = client.get(
            "/proxy/chorus/api/v1/teams", params={"integrated_account_id": account_id}
        )
        missing = client.get(
            "/proxy/chorus/api/v1/teams/999999", params={"integrated_account_id": account_id}
        )
    direct = call(
        "GET", f"{stack.sandbox.url}/api/v1/teams", headers={"Authorization": stack.sandbox.token}
    )
    assert proxied.status_code == 200
    assert proxied.json() == direct.json()
    assert proxied.headers["content-type"] == direct.headers["content-type"]
    assert missing.status_code == 404
    assert "errors" in missing.json()


@pytest.mark.parametrize(
    "path",
    [
        "/proxy/chorus/https%3A%2F%2Fevil.example%2Fx",
        "/proxy/chorus//evil.example/x",
        "/proxy/chorus/api/%2e%2e/%2e%2e/secret",
    ],
)
def test_proxy_refuses_paths_that_leave_the_base_url(stack: Stack, path: str) -> None:
    with stack.client() as client:
        account_id = stack.link_account(client)
        response = client.get(path, params={"integrated_account_id": account_id})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_proxy_path"


def test_openapi_document_and_docs_are_served(stack: Stack) -> None:
    spec = call("GET", f"{stack.url}/openapi.json").json()
    assert f"{UNIFIED}/meetings" in spec["paths"]
    assert call("GET", f"{stack.url}/docs").status_code == 200


def test_no_log_line_holds_a_token(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    """Link, fail, rotate, proxy and revoke with every logger at DEBUG: no token is logged."""
    caplog.set_level(logging.DEBUG)
    good = "sbx_logged_never_" + "2" * 16
    rotated = "sbx_logged_never_" + "3" * 16
    wrong = "sbx_logged_never_wrong_" + "4" * 8
    for token in (good, rotated):
        call("POST", f"{stack.sandbox.url}/_sandbox/tokens", json={"token": token})
    with stack.client() as client:
        account_id = stack.link_account(client, good)
        client.post(
            "/integrated-accounts",
            json={"integration": "chorus", "credentials": {"api_token": wrong}},
        )
        params = {"integrated_account_id": account_id}
        client.get(f"{UNIFIED}/meetings", params=params | {"limit": 3})
        client.get("/proxy/chorus/api/v1/users/me", params=params)
        patched = client.patch(
            f"/integrated-accounts/{account_id}", json={"credentials": {"api_token": rotated}}
        )
        call("DELETE", f"{stack.sandbox.url}/_sandbox/tokens/{rotated}")
        failed = client.get(f"{UNIFIED}/teams", params=params)
    assert patched.status_code == 200, patched.text
    assert failed.status_code == 401
    # Records of the thread serving Parley (requests, outbound calls, background tasks); the
    # test's own calls to the sandbox's admin routes log their URLs from the test thread.
    ours = [r for r in caplog.records if r.thread == stack.api.thread_id]
    assert ours, "expected the requests above to log something"
    for record in ours:
        text = " ".join(
            [record.getMessage(), record.exc_text or "", repr(record.__dict__.get("args"))]
        )
        for token in (good, rotated, wrong):
            assert token not in text, (record.name, text)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"{UNIFIED}/meetings?integrated_account_id=%00", None),
        ("GET", "/integrated-accounts/a%00b", None),
        ("POST", "/webhooks", {"url": "https://app.example/\u0000", "events": ["*"]}),
    ],
)
def test_nul_characters_are_a_400_on_every_backend(
    stack: Stack, method: str, path: str, body: dict[str, object] | None
) -> None:
    """PostgreSQL cannot store NUL in text: the caller hears a 400, never a 500."""
    with stack.client() as client:
        response = client.request(method, path, json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["status"] == response.status_code
