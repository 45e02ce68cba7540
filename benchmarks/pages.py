"""The playback page's HTML vs the JSON read of the same meeting, over HTTP.

Builds a migrated SQLite file with one org (`benchmarks.scoping`'s), one stored meeting of
200 transcript entries (with trackers and 10 coaching comments), and a member mapped to
its owner. Then times, in turns, against `parley serve` in a child process:
`GET /app/meetings/{id}` as that member (their scoped token in the session cookie) and as
the developer (Bearer key), and `GET …/meetings/{id}?source=store` (the meeting with its
transcript, JSON) as the developer. Goal: the page's HTML p95 <= 50 ms (faces.md §6).

    python -m benchmarks.pages
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import SecretStr

from benchmarks.scoping import Built, _org, _p, _serve
from parley.accounts.integrated_accounts import VerifiedAccount
from parley.config import Settings
from parley.insights.scoped_tokens import ScopedGrant
from parley.insights.scoping import Role
from parley.providers.base import Credentials
from parley.runtime import Runtime
from parley.security import generate_secret_key
from parley.storage import new_id
from parley.storage.repositories.store import StoreRepository, meeting_record
from parley.types import TenantId
from parley.unified import Meeting

__all__ = ["run"]

ENTRIES = 200
ROUNDS = 300
MEETING = "bench-meeting"
OWNER = "rep2-1"
_WORDS = [
    "pricing",
    "discount",
    "renewal",
    "budget",
    "timeline",
    "security",
    "review",
    "onboarding",
    "integration",
    "competitor",
    "contract",
    "procurement",
    "champion",
    "legal",
    "pilot",
    "rollout",
    "seats",
    "quarter",
]


def _meeting() -> Meeting:
    rng = random.Random(3)
    speakers = [(OWNER, "Rep", "user"), ("g1", "Buyer", "guest")]
    entries, at = [], 0.0
    for i in range(ENTRIES):
        speaker, name, kind = speakers[i % 2]
        length = rng.uniform(4, 14)
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 30)))
        entries.append(
            {
                "index": i,
                "speaker_id": speaker,
                "speaker_name": name,
                "speaker_type": kind,
                "text": text.capitalize() + ".",
                "start_time": round(at, 2),
                "end_time": round(at + length, 2),
            }
        )
        at += length + rng.uniform(0.2, 1.5)
    trackers = [
        {
            "name": word,
            "count": 6,
            "mentions": [{"segment_index": rng.randrange(ENTRIES)} for _ in range(6)],
        }
        for word in ("Pricing", "Competitors", "Next steps")
    ]
    return Meeting.model_validate(
        {
            "id": MEETING,
            "title": "Acme <> Globex | Pricing review",
            "type": "meeting",
            "status": "completed",
            "start_time": datetime(2026, 6, 1, 15, tzinfo=UTC).isoformat(),
            "duration": round(at, 2),
            "owner": {"user_id": OWNER, "email": f"{OWNER}@seller.example"},
            "attendees": [
                {"id": OWNER, "user_id": OWNER, "email": f"{OWNER}@seller.example", "type": "user"},
                {"id": "g1", "email": "buyer@customer.example"},
            ],
            "audio_recording_url": "stored",
            "trackers": trackers,
            "transcript": entries,
        }
    )


async def build(path: Path) -> tuple[Built, str]:
    """The store, and a member's scoped token (valid for a day)."""
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
            await repository.write_meetings(
                account, [meeting_record(_meeting(), has_details=True)], {}
            )
        mapping, _ = await runtime.scoping.put(
            account, "rep", provider_user_id=OWNER, email=None, role=Role.MEMBER
        )
        for i in range(10):
            await runtime.coaching.add_comment(
                tenant.id, account, MEETING, 30.0 * i, f"Comment {i}", author=None, visible=None
            )
        mapping_id = await runtime.scoping.mapping_id(account, "rep")
        grant = ScopedGrant(tenant.id, account, mapping.app_user_id, mapping_id)
        token, _ = runtime.scoped_tokens.mint(grant, 86_400)
    finally:
        await runtime.close()
    return Built(url, secret, key, account), token


async def _time(built: Built, token: str, url: str) -> dict[str, list[float]]:
    bearer = {"Authorization": f"Bearer {built.api_key}"}
    reads = {
        "page_member": (f"/app/meetings/{MEETING}", {"Cookie": f"parley_session={token}"}),
        "page_developer": (f"/app/meetings/{MEETING}", bearer),
        "json_developer": (f"/unified/conversational-intelligence/meetings/{MEETING}", bearer),
    }
    params = {"integrated_account_id": built.account}
    times: dict[str, list[float]] = {name: [] for name in reads}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def once(name: str) -> float:
            path, headers = reads[name]
            query = params | ({"source": "store"} if name.startswith("json") else {})
            started = time.perf_counter()
            response = await client.get(path, params=query, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{name}: {response.status_code} {response.text[:300]}")
            return elapsed

        for _ in range(10):  # warm caches and statement caches
            for name in reads:
                await once(name)
        for _ in range(ROUNDS):
            for name in reads:
                times[name].append(await once(name))
    return times


def run() -> dict[str, float]:
    """Build the store, time the three reads, print and return the figures (ms)."""
    with tempfile.TemporaryDirectory() as tmp:
        built, token = asyncio.run(build(Path(tmp) / "pages.db"))
        with _serve(built) as url:
            times = asyncio.run(_time(built, token, url))
    result: dict[str, float] = {}
    print(f"one meeting of {ENTRIES} transcript entries, {ROUNDS} rounds over HTTP (SQLite):")
    for name, values in times.items():
        result[f"{name}_p50_ms"] = _p(values, 0.5) * 1000
        result[f"{name}_p95_ms"] = _p(values, 0.95) * 1000
        print(
            f"  {name:15} p50 {result[f'{name}_p50_ms']:6.2f} ms "
            f"p95 {result[f'{name}_p95_ms']:6.2f} ms"
        )
    json_p95 = result["json_developer_p95_ms"]
    for name in ("page_member", "page_developer"):
        result[f"{name}_vs_json_p95_ratio"] = result[f"{name}_p95_ms"] / json_p95
        print(f"  {name} / JSON read p95: {result[f'{name}_vs_json_p95_ratio']:.2f}x")
    worst = max(result["page_member_p95_ms"], result["page_developer_p95_ms"])
    verdict = "met" if worst <= 50 else "NOT met"
    print(f"  goal: playback page HTML p95 <= 50 ms: {verdict} ({worst:.1f} ms)")
    return result


if __name__ == "__main__":
    run()
