"""The dashboard's and the snippets page's tests' data: a synced sandbox seeded as the demo.

Two keyword rules are created over HTTP (their backfills run in the API server); then the
demo's own seeding (`cli.demo_seed.seed_insights`) maps an admin, a manager and a member from
the synced copy and mints the member's scoped token. `TableParser` reads the pages' tables
(`tr[data-key]` rows, `[data-field][data-value]` cells) out of the served HTML.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import httpx
from e2e_stack import Stack, run_async

from parley.cli.demo_seed import seed_insights
from parley.runtime import DemoSeed, Runtime

ANALYTICS = "/insights/analytics"
SNIPPETS = "/insights/snippets"
DEALS = "/insights/deals"
RULES = (
    ("Pricing", ["pricing", "price", "discount*"]),
    ("Competitors", ["Gong", "Clari", "Salesloft", "Outreach", "Avoma", "Fireflies"]),
)
#: What the rep table shows of each `/insights/analytics` row.
REP_FIELDS = ("meetings", "talk_ratio", "customer_talk_ratio", "avg_duration", "longest_monologue")


@dataclass(frozen=True)
class Seeded:
    """The stack, its synced account, the rules and the demo's member (email, token)."""

    stack: Stack
    account: str
    rule_ids: tuple[str, ...]
    member: str
    member_token: str


def _wait_backfill(client: httpx.Client, rule_id: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(f"/insights/keyword-rules/{rule_id}").json()["backfill"]["status"]
        if status == "completed":
            return
        assert status in ("queued", "running"), status
        time.sleep(0.2)
    raise AssertionError("the rule's backfill did not complete")


async def _seed_people(stack: Stack, account: str, rule_ids: tuple[str, ...]) -> Any:
    runtime = await Runtime.start(stack.api.settings)
    try:
        seed = DemoSeed(stack.tenant_id, stack.api_key, account, link_token="")
        return await seed_insights(runtime, seed, stack.tenant_id, rule_ids)
    finally:
        await runtime.close()


def seed(stack: Stack, account: str) -> Seeded:
    """The rules (backfilled) and the demo's people."""
    with stack.client() as client:
        ids = []
        for name, phrases in RULES:
            body = {"name": name, "phrases": phrases, "integrated_account_id": account}
            created = client.post("/insights/keyword-rules", json=body)
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        for rule_id in ids:
            _wait_backfill(client, rule_id)
    insights = run_async(_seed_people(stack, account, tuple(ids)))
    assert insights is not None, "the sandbox must hold a member with a manager"
    return Seeded(stack, account, tuple(ids), insights.member, insights.scoped_token)


def report(client: httpx.Client, account: str, **params: Any) -> dict[str, Any]:
    """`GET /insights/analytics` (one page of every row) with these filters."""
    query = {"integrated_account_id": account, "group_by": "user", "limit": 500, **params}
    response = client.get(ANALYTICS, params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["next_cursor"] is None
    return body


def feed(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """The first page (50) of `GET /insights/snippets`."""
    response = client.get(SNIPPETS, params={"limit": 50, **params})
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()["result"]
    return result


def api_rows(body: dict[str, Any]) -> list[tuple[str, dict[str, float]]]:
    """The report's rows as the rep table shows them: (key, {field: number})."""
    return [(row["key"], {f: float(row[f]) for f in REP_FIELDS}) for row in body["result"]]


class TableParser(HTMLParser):
    """The `tr[data-key]` rows of one `table#…` as (key, {data-field: data-value})."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self._table_id = table_id
        self._inside = False
        self.rows: list[tuple[str, dict[str, float]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self._inside = found.get("id") == self._table_id
        elif self._inside and tag == "tr" and found.get("data-key") is not None:
            self.rows.append((found["data-key"] or "", {}))
        elif self._inside and self.rows and found.get("data-value") is not None:
            self.rows[-1][1][found["data-field"] or ""] = float(found["data-value"] or 0)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._inside = False


def table_rows(html: str, table_id: str) -> list[tuple[str, dict[str, float]]]:
    """The numbers of one of the page's tables, in the page's order."""
    parser = TableParser(table_id)
    parser.feed(html)
    return parser.rows


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str, tag: str, attr: str) -> list[dict[str, str | None]]:
    """The attributes of every `tag` of the page that has `attr`, in the page's order."""
    parser = _Tags()
    parser.feed(html)
    return [attrs for name, attrs in parser.tags if name == tag and attr in attrs]


def playback(account: str, meeting_id: str, second: float | None) -> str:
    """The playback page's URL as documented (docs/api.md, Pages)."""
    url = f"/app/meetings/{meeting_id}?integrated_account_id={account}"
    if second is None:
        return url
    return url + "&t=" + f"{max(second, 0.0):.1f}".removesuffix(".0")
