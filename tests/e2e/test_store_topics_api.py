"""`topic` on stored meetings over HTTP and the SDK, against the sandbox's own trackers.

The truth is the sandbox's: a meeting has a topic when its engagement's tracker matches
(`/v3/engagements?with_trackers=true`) name it with at least one match.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from e2e_stack import Stack
from test_store_search_api import pages, synced

from parley.sdk import Client

MEETINGS = "/unified/conversational-intelligence/meetings"
__all__ = ["synced"]  # the module-scoped stack of test_store_search_api, one per backend


def sandbox_topics(stack: Stack) -> dict[str, set[str]]:
    """Per engagement id, the tracker names that matched, as the sandbox serves them."""
    found: dict[str, set[str]] = {}
    headers = {"Authorization": stack.sandbox.token}
    with httpx.Client(base_url=stack.sandbox.url, headers=headers, timeout=60) as sandbox:
        key = None
        while True:
            params: dict[str, Any] = {"with_trackers": "true"}
            if key:
                params["continuation_key"] = key
            body = sandbox.get("/v3/engagements", params=params).json()
            for row in body["engagements"]:
                matches = row.get("tracker_matches") or []
                found[row["engagement_id"]] = {m["name"] for m in matches if m["num_matches"]}
            key = body.get("continuation_key")
            if not body["engagements"] or not key:
                return found


def common(truth: dict[str, set[str]], n: int) -> list[str]:
    """The `n` topics most meetings have."""
    counts = Counter(name for names in truth.values() for name in names)
    return [name for name, _ in counts.most_common(n)]


def test_topic_lists_exactly_the_meetings_with_it_each_once(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    truth = sandbox_topics(stack)
    names = common(truth, 3)
    assert len(names) == 3, "the sandbox must hold several topics"
    base = {"integrated_account_id": account, "source": "store"}
    with stack.client() as client:
        every = pages(client, MEETINGS, {**base, "limit": 500})
        # The stored meetings carry the sandbox's topics (the filter's source of truth).
        assert {m["id"]: set(m["topics"]) for m in every} == truth
        order = [m["id"] for m in every]
        for name in names:
            wanted = [i for i in order if name in truth[i]]
            assert 0 < len(wanted) < len(order)
            for asked, limit in ((name, 500), (name.upper(), 3), (f" {name.lower()} ", 2)):
                found = [
                    m["id"]
                    for m in pages(client, MEETINGS, {**base, "topic": asked, "limit": limit})
                ]
                assert found == wanted, (asked, limit)
        assert pages(client, MEETINGS, {**base, "topic": names[0][:3], "limit": 50}) == []
        assert pages(client, MEETINGS, {**base, "topic": "No such topic", "limit": 50}) == []


def test_cursor_of_one_topic_is_refused_for_another(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    first, second = common(sandbox_topics(stack), 2)
    base = {"integrated_account_id": account, "source": "store", "limit": 1}
    with stack.client() as client:
        cursor = client.get(MEETINGS, params={**base, "topic": first}).json()["next_cursor"]
        assert cursor is not None
        for other in ({"topic": second}, {}):
            refused = client.get(MEETINGS, params={**base, **other, "next_cursor": cursor})
            assert refused.status_code == 400
            assert refused.json()["error"]["code"] == "invalid_cursor"


def test_topic_on_a_live_read_is_a_400_naming_it(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    with stack.client() as client:
        for source in ({"source": "live"}, {}):
            response = client.get(
                MEETINGS, params={"integrated_account_id": account, "topic": "Pricing", **source}
            )
            assert response.status_code == 400
            error = response.json()["error"]
            assert (error["code"], error["param"]) == ("unsupported_filter", "topic")
            assert "source=store" in error["message"]
        users = client.get(
            "/unified/conversational-intelligence/users",
            params={"integrated_account_id": account, "source": "store", "topic": "Pricing"},
        )
    assert users.status_code == 400
    assert users.json()["error"]["param"] == "topic"


def test_the_sdk_passes_the_topic_through(synced: tuple[Stack, str]) -> None:
    stack, account = synced
    truth = sandbox_topics(stack)
    (name,) = common(truth, 1)
    with Client(stack.api_key, stack.url, integrated_account_id=account) as client:
        found = list(client.meetings.list(source="store", topic=name.lower(), limit=2))
    assert found
    assert {m.id for m in found} == {i for i, names in truth.items() if name in names}
    assert all(name in m.topics for m in found)
