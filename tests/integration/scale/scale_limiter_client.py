"""A child process for the shared-budget test: paced GETs against the sandbox.

argv: database URL, sandbox URL, token, key, rate, count. Prints `ready`, waits for a line
on stdin (so every child starts at once), then sends `count` requests, each after taking a
slot from the PostgreSQL limiter, and prints one JSON line: the status codes it got.
"""

from __future__ import annotations

import asyncio
import json
import sys

import httpx

from parley.storage import Database
from parley.storage.rate_budgets import PostgresRateLimiter


async def main(db_url: str, base_url: str, token: str, key: str, rate: float, count: int) -> None:
    async with Database(db_url) as database, httpx.AsyncClient(base_url=base_url) as client:
        limiter = PostgresRateLimiter(database.engine, rate, max_rate=rate)
        # Warm the pool and the row before the start line, so the first slot is not late.
        await limiter.acquire(key + ":warm-up")
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        statuses: list[int] = []
        for _ in range(count):
            await limiter.acquire(key)
            response = await client.get(
                "/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
            )
            statuses.append(response.status_code)
        print(json.dumps({"statuses": statuses}), flush=True)


if __name__ == "__main__":
    db_url, base_url, token, key, rate, count = sys.argv[1:]
    asyncio.run(main(db_url, base_url, token, key, float(rate), int(count)))
