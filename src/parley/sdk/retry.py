"""When the SDK tries a request again, and how long it waits first (pure: no I/O, no clock).

The clients classify each outcome (a response status, or a transport failure and whether
the request may have reached the server) and ask `plan` for a decision: the seconds to wait
before the next attempt, or `None` to stop there (the response's error is then raised, or
the transport error re-raised).

- **429** (`rate_limited`: Parley's own per-key limit; `provider_rate_limited`: the provider
  refused after Parley's own retries) is retried for every method: Parley answers a 429
  before it does anything, so nothing happened that a retry could repeat.
- **502, 503, 504** and a connection that failed **after** the request may have been sent
  (a read timeout, a reset) are retried only for idempotent requests: GET, HEAD, PUT,
  DELETE, and the POSTs the SDK knows to be idempotent (starting a sync answers the run
  already queued; re-validating an account; batch upserts replace rows). Other POSTs (create
  a webhook, a link token) are not retried then: Parley does not deduplicate
  `Idempotency-Key` (yet), so a second send could create a second object.
- A connection that failed **before** anything was sent (refused, DNS, a connect timeout,
  no free connection in the pool) is retried for every method.

Waits honour `Retry-After` (seconds or an HTTP-date) and otherwise back off exponentially
(`backoff * 2**retry`, at most `max_backoff`). The budget is bounded twice: at most
`max_retries` retries, and at most `max_wait` seconds of waiting in all. A wait that would
pass the budget is not made: the error is raised at once (a `RateLimitedError` carries the
server's `retry_after`, so the caller can schedule the work later).
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["IDEMPOTENT_METHODS", "RETRY_STATUSES", "RetryPolicy", "plan", "retry_after_seconds"]

#: Methods whose repetition has the effect of one request (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Statuses worth another attempt (429 for every method, the others for idempotent ones).
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard the SDK tries: `RetryPolicy(max_retries=0)` turns retries off."""

    #: Retries after the first attempt.
    max_retries: int = 4
    #: Seconds of waiting, summed over every retry of one call.
    max_wait: float = 60.0
    #: The first backoff (seconds) when the server gives no `Retry-After`.
    backoff: float = 0.5
    #: The longest backoff without `Retry-After`.
    max_backoff: float = 8.0

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.max_wait < 0 or self.backoff < 0 or self.max_backoff < 0:
            raise ValueError("RetryPolicy values must be >= 0")


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` in seconds from `now`: delta-seconds or an HTTP-date; None if absent or
    unreadable (then the policy's backoff applies). A date in the past is 0."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def plan(
    policy: RetryPolicy,
    *,
    retries: int,
    waited: float,
    idempotent: bool,
    status: int | None = None,
    sent: bool = True,
    retry_after: float | None = None,
) -> float | None:
    """Seconds to wait before retrying, or None to stop.

    `retries` made so far and `waited` seconds spent waiting so far; `status` of the
    response (None for a transport failure, then `sent` says whether the request may have
    reached the server); `retry_after` as `retry_after_seconds` read it.
    """
    if status is not None:
        if status not in RETRY_STATUSES or (status != 429 and not idempotent):
            return None
    elif sent and not idempotent:
        return None
    if retries >= policy.max_retries:
        return None
    wait = retry_after
    if wait is None:
        wait = min(policy.max_backoff, policy.backoff * (2**retries))
    if waited + wait > policy.max_wait:
        return None
    return wait
