"""Scoped stored listing: a manager's `source=store` pages vs the unscoped ones.

Builds a migrated SQLite file with `meetings` stored meetings (default 10,000) written by
the sync's own store writer, of an org of 60 users in 6 teams (a manager per team, reps
reporting to them, a chief above the managers; 4% of the meetings private), each meeting
owned by a rep with one or two other reps attending. Then times, in turns, three pages of
50 newest meetings (through their cursors) unscoped and as one team's manager
(`Parley-As-User`), over HTTP against `parley serve` in a child process (the goal: scoped
p95 <= 1.5x unscoped, insights.md §6), and the same reads in process through the store
reader (the scoped one resolving the app user's scope per page, as every request does), so
the cost of the scope itself is visible without the HTTP around it.

    python -m benchmarks.scoping [meetings]
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr

from benchmarks.api import _free_port
from parley.accounts.integrated_accounts import VerifiedAccount
from parley.config import Settings
from parley.insights.scoping import Role, Scoping
from parley.providers.base import Credentials
from parley.reads.cursor import CursorCodec
from parley.reads.store import StoreMeetingFilters, StoreReader
from parley.runtime import Runtime
from parley.security import Keyring, Signer, generate_secret_key
from parley.storage import Database, new_id
from parley.storage.repositories.store import StoreRepository, meeting_record
from parley.types import TenantId
from parley.unified import Meeting, Team, User

__all__ = ["run"]

MEETINGS = 10_000
TEAMS, REPS_PER_TEAM = 6, 8
ROUNDS = 150
PAGE = 50
_BASE = datetime(2026, 6, 1, tzinfo=UTC)
MEETINGS_PATH = "/unified/conversational-intelligence/meetings"


def _org() -> tuple[list[User], list[Team]]:
    users = [User.model_validate({"id": "chief", "emails": [{"email": "chief@seller.example"}]})]
    teams = []
    for t in range(TEAMS):
        manager = f"mgr{t}"
        users.append(User.model_validate({"id": manager, "manager_id": "chief"}))
        reps = [f"rep{t}-{r}" for r in range(REPS_PER_TEAM)]
        for rep in reps:
            email = f"{rep}@seller.example"
            users.append(
                User.model_validate(
                    {
                        "id": rep,
                        "manager_id": manager,
                        "team_ids": [f"team{t}"],
                        "emails": [{"email": email}],
                    }
                )
            )
        teams.append(
            Team.model_validate({"id": f"team{t}", "manager_id": manager, "member_ids": reps})
        )
    return users, teams


def _meetings(count: int) -> list[Meeting]:
    rng = random.Random(7)
    reps = [f"rep{t}-{r}" for t in range(TEAMS) for r in range(REPS_PER_TEAM)]
    meetings = []
    for i in range(count):
        owner, *others = rng.sample(reps, rng.choice((2, 3)))
        start = _BASE - timedelta(hours=i * 3)
        attendees = [
            {"id": p, "user_id": p, "email": f"{p}@seller.example", "type": "user"}
            for p in (owner, *others)
        ]
        attendees.append({"id": f"g{i}", "email": f"buyer{i}@customer.example"})
        meetings.append(
            Meeting.model_validate(
                {
                    "id": f"m{i:06d}",
                    "title": f"Call {i}",
                    "type": "meeting",
                    "status": "completed",
                    "start_time": start.isoformat(),
                    "duration": 1800.0,
                    "owner": {"user_id": owner},
                    "attendees": attendees,
                    "is_private": rng.random() < 0.04,
                }
            )
        )
    return meetings


@dataclass(frozen=True)
class Built:
    """The built store: its URL, master key, API key and account."""

    url: str
    secret_key: str
    api_key: str
    account: str


async def build(path: Path, count: int) -> Built:
    """A migrated SQLite store at `path` with a tenant, key, account, the org and meetings."""
    secret = generate_secret_key()
    url = f"sqlite+aiosqlite:///{path}"
    runtime = await Runtime.start(Settings(database_url=url, secret_key=SecretStr(secret)))
    try:
        tenant = await runtime.tenants.get_or_create("bench")
        key, _ = await runtime.api_keys.create_key("bench")
        # Stored reads never call the provider: this account's host is never contacted.
        verified = VerifiedAccount(
            new_id(), TenantId(tenant.id), "chorus", "http://127.0.0.1:9", Credentials("x"), {}
        )
        async with runtime.db.session() as session:
            account = (await runtime.accounts.add_verified(session, verified)).id
        users, teams = _org()
        async with runtime.db.session() as session:
            repository = StoreRepository(session)
            await repository.replace_users(account, users)
            await repository.replace_teams(account, teams)
        meetings = _meetings(count)
        for start in range(0, len(meetings), 500):
            records = [meeting_record(m, has_details=False) for m in meetings[start : start + 500]]
            async with runtime.db.session() as session:
                await StoreRepository(session).write_meetings(account, records, {})
        await runtime.scoping.put(
            account, "manager", provider_user_id="mgr2", email=None, role=Role.MANAGER
        )
    finally:
        await runtime.close()
    return Built(url, secret, key, account)


async def _in_process(built: Built) -> tuple[list[float], list[float]]:
    async with Database(built.url) as db:
        cursors = CursorCodec(Signer(Keyring.parse(generate_secret_key()), b"cursor"))
        reader, scoping = StoreReader(db, cursors), Scoping(db)

        async def pages(scoped: bool) -> float:
            started = time.perf_counter()
            cursor = None
            for _ in range(3):
                scope = await scoping.scope(built.account, "manager") if scoped else None
                page = await reader.list_meetings(
                    built.account, StoreMeetingFilters(), limit=PAGE, cursor=cursor, scope=scope
                )
                cursor = page.next_cursor
            return (time.perf_counter() - started) / 3

        return await _rounds(pages)


async def _rounds(pages: Callable[[bool], Awaitable[float]]) -> tuple[list[float], list[float]]:
    for _ in range(5):  # warm caches and statement caches
        await pages(False)
        await pages(True)
    plain: list[float] = []
    scoped: list[float] = []
    for _ in range(ROUNDS):
        plain.append(await pages(False))
        scoped.append(await pages(True))
    return plain, scoped


@contextmanager
def _serve(built: Built) -> Iterator[str]:
    port = _free_port()
    env = os.environ | {
        "PARLEY_DATABASE_URL": built.url,
        "PARLEY_SECRET_KEY": built.secret_key,
        "PARLEY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PARLEY_LOG_LEVEL": "warning",
        "PARLEY_EGRESS_ALLOW": "127.0.0.1",  # the account's (never contacted) host
    }
    command = [sys.executable, "-m", "parley.cli", "serve", "--host", "127.0.0.1"]
    process = subprocess.Popen([*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("parley serve did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)


async def _over_http(built: Built, url: str) -> tuple[list[float], list[float], int]:
    headers = {"Authorization": f"Bearer {built.api_key}"}
    seen = 0
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:

        async def pages(scoped: bool) -> float:
            nonlocal seen
            extra = {"Parley-As-User": "manager"} if scoped else {}
            params = {"integrated_account_id": built.account, "source": "store", "limit": PAGE}
            started = time.perf_counter()
            cursor, rows = None, 0
            for _ in range(3):
                query = {**params, **({"next_cursor": cursor} if cursor else {})}
                response = await client.get(MEETINGS_PATH, params=query, headers=extra)
                if response.status_code != 200:
                    raise RuntimeError(response.text)
                rows += len(response.json()["result"])
                cursor = response.json()["next_cursor"]
            if scoped:
                seen = rows
            return (time.perf_counter() - started) / 3

        plain, scoped = await _rounds(pages)
    return plain, scoped, seen


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _figures(label: str, plain: list[float], scoped: list[float]) -> dict[str, float]:
    result = {
        f"{label}_unscoped_p50_ms": _p(plain, 0.5) * 1000,
        f"{label}_unscoped_p95_ms": _p(plain, 0.95) * 1000,
        f"{label}_manager_p50_ms": _p(scoped, 0.5) * 1000,
        f"{label}_manager_p95_ms": _p(scoped, 0.95) * 1000,
    }
    ratio = result[f"{label}_manager_p95_ms"] / result[f"{label}_unscoped_p95_ms"]
    result[f"{label}_p95_ratio"] = ratio
    print(
        f"  {label:10} unscoped p50 {result[f'{label}_unscoped_p50_ms']:6.2f} ms "
        f"p95 {result[f'{label}_unscoped_p95_ms']:6.2f} ms | manager p50 "
        f"{result[f'{label}_manager_p50_ms']:6.2f} ms p95 "
        f"{result[f'{label}_manager_p95_ms']:6.2f} ms | p95 ratio {ratio:.2f}x"
    )
    return result


def run(count: int = MEETINGS) -> dict[str, float]:
    """Build the store, time both reads, print and return the figures (milliseconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        built = asyncio.run(build(Path(tmp) / "scoping.db", count))
        print(f"built {count:,} stored meetings in {time.perf_counter() - started:.1f} s")
        with _serve(built) as url:
            http_plain, http_scoped, rows = asyncio.run(_over_http(built, url))
        local_plain, local_scoped = asyncio.run(_in_process(built))
    print(f"a page of {PAGE}, 3 pages deep ({rows} rows as the manager), {ROUNDS} rounds:")
    result = _figures("http", http_plain, http_scoped)
    result |= _figures("in_process", local_plain, local_scoped)
    verdict = "met" if result["http_p95_ratio"] <= 1.5 else "NOT met"
    print(f"  goal: scoped p95 <= 1.5x unscoped over HTTP: {verdict}")
    return result


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else MEETINGS)
