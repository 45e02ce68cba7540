"""Every route refuses a query parameter it does not take: a 400 naming it, in the envelope."""

from __future__ import annotations

import pytest
from e2e_stack import Stack


@pytest.mark.parametrize(
    ("path", "param"),
    [
        # The unified routes' output options mean nothing here: refused, not ignored.
        ("/sync-runs", "response_format"),
        ("/sync-runs", "remote_query[x]"),
        ("/search?q=pricing", "exclude_fields"),
        ("/search?q=pricing", "remote_query[x]"),
        ("/sync-runs/run_unknown", "response_format"),
        ("/webhook-deliveries", "source"),
        ("/webhook-deliveries", "cursor"),
        ("/webhook-deliveries", "response_format"),
        ("/webhook-deliveries/dlv_unknown", "exclude_fields"),
        ("/webhooks", "limit"),
        ("/webhooks/wh_unknown", "response_format"),
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it(stack: Stack, path: str, param: str) -> None:
    with stack.client() as client:
        response = client.get(path, params={param: "1"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("unknown_parameter", param)


def test_the_account_is_the_first_query_parameter_of_every_unified_route(stack: Stack) -> None:
    with stack.client() as client:
        paths = client.get("/openapi.json").json()["paths"]

    unified = {p: ops["get"] for p, ops in paths.items() if p.startswith("/unified/")}
    assert len(unified) == 8
    for path, operation in unified.items():
        query = [p["name"] for p in operation["parameters"] if p["in"] == "query"]
        assert query.count("integrated_account_id") == 1, path
        assert query[0] == "integrated_account_id", path
