"""Per-API-key request budgets shared by every API process through PostgreSQL (scale mode).

The same GCRA rule as `security.throttle` (see there), kept in one `api_rate_limits` row per
key: a request is one atomic statement that locks the key's row, admits or refuses against
the database clock (`clock_timestamp()`, so the machines' clocks never need to agree), moves
`tat` when it admits, and returns the wait. A key's first request inserts its row. Rows whose
`tat` has passed hold a full bucket, like an absent row, so they are pruned now and then:
credentials that are sprayed at the API leave no lasting rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Float, Integer, String, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeEngine

from parley.errors import ParleyError

__all__ = ["PostgresKeyRateLimiter"]

_NOW = "extract(epoch FROM clock_timestamp())::float8"
# Float sums of intervals may exceed the bound by rounding only (as in security.throttle).
_EPSILON = 1e-9


_TYPES: dict[str, TypeEngine[Any]] = {
    "key": String(),
    "interval": Float(),
    "burst": Integer(),
    "grace": Float(),
}


def _sql(statement: str) -> TextClause:
    # asyncpg cannot guess a parameter's type from an expression such as `:burst * :interval`.
    names = [name for name in _TYPES if f":{name}" in statement]
    return text(statement).bindparams(*(bindparam(n, type_=_TYPES[n]) for n in names))


_ADMIT = _sql(
    f"""
    WITH cur AS (
        SELECT key, tat, {_NOW} AS now FROM api_rate_limits WHERE key = :key FOR UPDATE
    ), plan AS (
        SELECT key, greatest(tat, now) + :interval AS following,
               greatest(tat, now) + :interval - now - :burst * :interval AS over
          FROM cur
    )
    UPDATE api_rate_limits AS b
       SET tat = CASE WHEN plan.over <= {_EPSILON} THEN plan.following ELSE b.tat END
      FROM plan WHERE b.key = plan.key
    RETURNING CASE WHEN plan.over <= {_EPSILON} THEN 0 ELSE plan.over END AS wait
    """  # noqa: S608 (constant fragments; every value is bound)
)

# A key's first request: a full bucket, less this request.
_FIRST = _sql(
    f"""
    INSERT INTO api_rate_limits (key, tat)
    VALUES (:key, {_NOW} + :interval)
    ON CONFLICT (key) DO NOTHING
    RETURNING 0::float8 AS wait
    """  # noqa: S608
)

_PRUNE = _sql(f"DELETE FROM api_rate_limits WHERE tat < {_NOW} - :grace")  # noqa: S608


class PostgresKeyRateLimiter:
    """Admits requests against a budget per key that every API process shares."""

    def __init__(
        self,
        engine: AsyncEngine,
        rate: float,
        burst: int,
        *,
        prune_interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise ParleyError(
                "Scale mode needs PostgreSQL: set PARLEY_DATABASE_URL=postgresql://….",
                code="scale_mode_needs_postgresql",
            )
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        # One statement per request, committed on its own: no BEGIN/COMMIT round trips.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._params = {"interval": 1.0 / rate, "burst": burst}
        self._prune_interval = prune_interval
        self._clock = clock
        self._pruned_at = clock()

    async def admit(self, key: str) -> float:
        """0 when `key` may make this request (and it is counted), else seconds to wait."""
        params = {"key": key, **self._params}
        async with self._engine.connect() as connection:
            wait = (await connection.execute(_ADMIT, params)).scalar_one_or_none()
            if wait is None:  # the key's first request (or its full bucket was pruned)
                wait = (await connection.execute(_FIRST, params)).scalar_one_or_none()
            if wait is None:  # another process inserted the row meanwhile
                wait = (await connection.execute(_ADMIT, params)).scalar_one()
            if self._clock() - self._pruned_at >= self._prune_interval:
                self._pruned_at = self._clock()
                await connection.execute(_PRUNE, {"grace": self._prune_interval})
        return float(wait)
