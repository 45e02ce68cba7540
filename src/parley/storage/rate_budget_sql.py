"""The statements of the PostgreSQL rate budget (`rate_budgets.PostgresRateLimiter`).

Each send, 429 and estimate is one statement over the key's `rate_budgets` row, timed by the
database's clock; the module docstring of `rate_budgets` explains the algorithm.
"""

from __future__ import annotations

import re

from sqlalchemy import Float, String, TextClause, bindparam, text

__all__ = [
    "ACQUIRE",
    "BASELINE_WINDOWS",
    "CREATE",
    "FACTS",
    "PEAK_WINDOWS",
    "RATE_LIMITED",
    "SPORADIC",
    "SUSPECT",
    "SUSPICION_WINDOWS",
]

_FLOAT_PARAMS = (
    "rate",
    "min_rate",
    "max_rate",
    "window",
    "slow_start",
    "settle",
    "ceiling_factor",
    "step",
    "recovery",
    "probe",
    "pause",
    "horizon",
    "baseline",
    "suspicion",
    "level",
    "restart",
)

#: windows a completed bucket's accepted count stays the peak, a suspicion stays open, and
#: the sporadic-429 share averages over (the in-memory limiter's `PEAK_WINDOWS` and co.)
PEAK_WINDOWS = 10
SUSPICION_WINDOWS = 5
BASELINE_WINDOWS = 30


def _sql(statement: str) -> TextClause:
    """A statement with typed parameters (asyncpg cannot guess a type from `2 * $1`)."""
    clause = text(statement)
    names = [n for n in _FLOAT_PARAMS if re.search(rf"(?<!:):{n}\b", statement)]
    return clause.bindparams(
        bindparam("key", type_=String()), *(bindparam(n, type_=Float()) for n in names)
    )


_NOW = "extract(epoch FROM clock_timestamp())::float8"
_INF = "'Infinity'::float8"

CREATE = _sql(
    f"""
    INSERT INTO rate_budgets (key, rate, ceiling, threshold, next_at, paused_until, limited_at,
                              window_start, window_sends, previous_sends, updated_at)
    VALUES (:key, :rate, NULL, NULL, 0, 0, 0, {_NOW}, 0, 0, now())
    ON CONFLICT (key) DO NOTHING
    """  # noqa: S608 (constant fragments; every value is bound)
)

# The learned ceiling, lifted one recovery step per probe interval since the last 429.
_CEILING_NOW = f"""least(:max_rate, CASE
        WHEN ceiling IS NULL THEN {_INF}
        WHEN limited_at <= 0 THEN ceiling
        ELSE ceiling * power(1 + :step, least(1000, floor((now - limited_at) / :probe)))
    END)"""

# Sends estimated over the last window: the previous bucket weighted by its overlap.
# (Reserved slots may lie ahead of now, so the weight is clamped to [0, 1].)
_SENT = """(previous_sends * least(1, greatest(0, 1 - (now - window_start) / :window))
            + window_sends)"""

ACQUIRE = _sql(
    f"""
    WITH cur AS (
        SELECT key, rate, ceiling, threshold, next_at, paused_until, limited_at,
               window_start, window_sends, previous_sends, window_refused, previous_refused,
               peak, peak_at, {_NOW} AS now
          FROM rate_budgets WHERE key = :key FOR UPDATE
    ), plan AS (
        SELECT key, now, greatest(next_at, paused_until, now) AS slot,
               window_start, window_sends, previous_sends, window_refused, previous_refused,
               peak, peak_at,
               -- The bucket that is closing: what the provider accepted in one window.
               window_sends - window_refused AS completed,
               least(:max_rate, CASE
                   -- Waiting behind another send, not paused, not just limited, budget in use:
                   -- demand saturates the budget, so it may grow.
                   WHEN next_at > now AND now >= paused_until AND now - limited_at >= :window
                        AND {_SENT} >= 0.5 * rate * :window
                   THEN greatest(rate, CASE
                       WHEN rate < coalesce(threshold, {_INF})
                       THEN least(rate * power(:slow_start, 1 / rate),
                                  coalesce(threshold, {_INF}), {_CEILING_NOW})
                       ELSE least(rate * power(1 + :step, 1 / (rate * :recovery)), {_CEILING_NOW})
                   END)
                   ELSE rate
               END) AS rate
          FROM cur
    )
    UPDATE rate_budgets AS b SET
        rate = plan.rate,
        next_at = plan.slot + 1 / plan.rate,
        peak = CASE
            WHEN plan.slot - plan.window_start >= :window
                 AND (plan.now - plan.peak_at > :horizon OR plan.completed >= plan.peak)
            THEN plan.completed ELSE plan.peak END,
        peak_at = CASE
            WHEN plan.slot - plan.window_start >= :window
                 AND (plan.now - plan.peak_at > :horizon OR plan.completed >= plan.peak)
            THEN plan.now ELSE plan.peak_at END,
        previous_refused = CASE
            WHEN plan.slot - plan.window_start >= 2 * :window THEN 0
            WHEN plan.slot - plan.window_start >= :window THEN plan.window_refused
            ELSE plan.previous_refused END,
        window_refused = CASE
            WHEN plan.slot - plan.window_start >= :window THEN 0
            ELSE plan.window_refused END,
        -- Each send dilutes the share of sporadic 429s (an average over ~30 windows of sends).
        noise = b.noise * (1 - 1 / greatest(1, :baseline * plan.rate * :window)),
        window_start = CASE
            WHEN plan.slot - plan.window_start >= 2 * :window THEN plan.slot
            WHEN plan.slot - plan.window_start >= :window THEN plan.window_start + :window
            ELSE plan.window_start END,
        previous_sends = CASE
            WHEN plan.slot - plan.window_start >= 2 * :window THEN 0
            WHEN plan.slot - plan.window_start >= :window THEN plan.window_sends
            ELSE plan.previous_sends END,
        window_sends = CASE
            WHEN plan.slot - plan.window_start >= :window THEN 1
            ELSE plan.window_sends + 1 END,
        updated_at = now()
      FROM plan WHERE b.key = plan.key
    RETURNING plan.slot, plan.now, b.rate, b.next_at, b.paused_until
    """  # noqa: S608
)

RATE_LIMITED = _sql(
    f"""
    WITH cur AS (
        SELECT key, rate, limited_at, paused_until, window_start, window_sends,
               previous_sends, {_NOW} AS now
          FROM rate_budgets WHERE key = :key FOR UPDATE
    ), seen AS (
        SELECT key, now, rate,
               -- Late 429s of requests sent before the last decrease carry no news.
               now - limited_at >= :window AS fresh,
               -- A pause inside the window emptied part of it: then the count says nothing.
               CASE WHEN now - :window >= paused_until THEN {_SENT} ELSE 0 END AS measured
          FROM cur
    ), target AS (
        SELECT key, now, fresh,
               CASE WHEN measured > 0 THEN least(rate, measured * :settle) ELSE rate / 2 END
                   AS rate,
               CASE WHEN measured > 0 THEN least(rate, measured) * :ceiling_factor
                    ELSE rate * :ceiling_factor END AS ceiling,
               -- Without a trustworthy count: halve, then climb fast to just under the refusal.
               CASE WHEN measured > 0 THEN 0 ELSE rate * :settle END AS fast_until
          FROM seen
    )
    UPDATE rate_budgets AS b SET
        ceiling = CASE WHEN t.fresh
            THEN least(:max_rate, greatest(:min_rate, t.ceiling)) ELSE b.ceiling END,
        rate = CASE WHEN t.fresh
            THEN greatest(:min_rate, least(t.rate, :max_rate, t.ceiling)) ELSE b.rate END,
        threshold = CASE WHEN t.fresh
            THEN greatest(:min_rate, least(t.rate, :max_rate, t.ceiling),
                          least(t.fast_until, t.ceiling)) ELSE b.threshold END,
        limited_at = CASE WHEN t.fresh THEN t.now ELSE b.limited_at END,
        paused_until = greatest(b.paused_until, t.now + :pause),
        window_refused = b.window_refused + 1,
        suspects = CASE WHEN t.fresh THEN 0 ELSE b.suspects END,
        updated_at = now()
      FROM target AS t WHERE b.key = t.key
    RETURNING t.now, b.rate, b.next_at, b.paused_until
    """  # noqa: S608
)


FACTS = _sql(
    f"""
    SELECT rate, limited_at, next_at, window_start, window_sends, previous_sends,
           window_refused, previous_refused, peak, peak_at, suspects, suspect_until,
           suspect_level, noise,
           {_NOW} AS now
      FROM rate_budgets WHERE key = :key FOR UPDATE
    """  # noqa: S608
)

# A sporadic 429: counted, and one more sporadic one in the long-run share.
SPORADIC = _sql(
    f"""
    UPDATE rate_budgets SET
        window_refused = window_refused + 1,
        noise = noise + 1 / greatest(1, :baseline * rate * :window),
        updated_at = now()
     WHERE key = :key
    RETURNING {_NOW} AS now, rate, next_at, paused_until
    """  # noqa: S608
)

# A 429 at the edge that is not a cluster yet: counted into the open (or a new) suspicion.
SUSPECT = _sql(
    f"""
    UPDATE rate_budgets SET
        window_refused = window_refused + 1,
        suspects = CASE WHEN :restart > 0 THEN 1 ELSE suspects + 1 END,
        suspect_until = CASE WHEN :restart > 0 THEN {_NOW} + :suspicion ELSE suspect_until END,
        suspect_level = CASE WHEN :restart > 0 THEN :level
                             ELSE greatest(suspect_level, :level) END,
        updated_at = now()
     WHERE key = :key
    RETURNING {_NOW} AS now, rate, next_at, paused_until
    """  # noqa: S608
)
