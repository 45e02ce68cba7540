"""Property-based run over Parley's own OpenAPI document (Schemathesis + Hypothesis).

Every operation gets generated requests, valid and invalid, with the tenant's key and, half
of the time, the real linked account. Parley must never answer 5xx, and every error must be
the one envelope with a request id. Two documented exceptions: `/proxy/…` answers Chorus's
status and body verbatim, and a caller-chosen `settings.base_url` that points nowhere is a
502 from the provider side, so generated base URLs are left out.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from e2e_stack import Stack, call
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

pytestmark = pytest.mark.slow

EXAMPLES = 400


def _header(response: schemathesis.Response, name: str) -> str:
    value = response.headers[name]
    return value[0] if isinstance(value, list) else str(value)


def _assert_envelope(response: schemathesis.Response) -> None:
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["status"] == response.status_code, body
    assert isinstance(error["code"], str), body
    assert error["code"], body
    assert isinstance(error["message"], str), body
    assert error["message"], body
    assert error["request_id"] == _header(response, "x-request-id"), body
    assert isinstance(error["remote"], bool), body


def _has_base_url(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("settings"), dict)
        and ("base_url" in body["settings"])
    )


def test_generated_requests_get_no_5xx_and_every_error_is_the_envelope(stack: Stack) -> None:
    spec = call("GET", f"{stack.url}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    cases = st.one_of(
        schema.as_strategy(generation_mode=GenerationMode.POSITIVE),
        schema.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    with stack.client() as client:
        account_id = stack.link_account(client)
    session = requests.Session()
    auth = {"Authorization": f"Bearer {stack.api_key}"}
    seen: set[str] = set()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, real_account=st.booleans())
    def exercise(case: schemathesis.Case, real_account: bool) -> None:
        assume(not _has_base_url(case.body))
        if real_account and isinstance(case.query, dict) and "integrated_account_id" in case.query:
            case.query["integrated_account_id"] = account_id
        response = case.call(base_url=stack.url, session=session, headers=auth, timeout=60)
        path = case.operation.path
        seen.add(f"{case.method.upper()} {path}")
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        if path.startswith("/proxy/") or response.status_code < 400:
            return
        _assert_envelope(response)

    try:
        exercise()
    finally:
        session.close()
    # The run reached most of the API, not just one corner of it.
    assert len(seen) >= 0.6 * sum(len(ops) for ops in spec["paths"].values()), sorted(seen)
