"""Classify a response into a decision first, then act on it; Retry-After parsing and backoff.

The retry loop in `client.py` never looks at status codes: it asks `classify` for a
`Decision` and acts on that (airbyte-cdk style), so the status table lives in one place.
"""

from __future__ import annotations

import email.utils
import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import httpx

__all__ = ["RETRYABLE", "Decision", "RetryPolicy", "classify", "parse_retry_after"]


class Decision(StrEnum):
    """What to do with a response, decided before anything acts on it."""

    SUCCESS = "success"
    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    AUTH = "auth"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    #: the provider refused the request itself as invalid (a bad filter value): fix it
    INVALID = "invalid"
    FAIL = "fail"


RETRYABLE: frozenset[Decision] = frozenset({Decision.RETRY, Decision.RATE_LIMITED})

_BY_STATUS: dict[int, Decision] = {
    400: Decision.INVALID,
    401: Decision.AUTH,
    403: Decision.FORBIDDEN,
    404: Decision.NOT_FOUND,
    422: Decision.INVALID,
    429: Decision.RATE_LIMITED,
    # 501 and 505 describe the request itself, so sending it again cannot help.
    501: Decision.FAIL,
    505: Decision.FAIL,
}

_DELTA_SECONDS = re.compile(r"[+-]?\d+(?:\.\d+)?")


def classify(response: httpx.Response) -> Decision:
    """Map a response to the decision the retry loop acts on."""
    status = response.status_code
    if status < 400:
        return Decision.SUCCESS
    decision = _BY_STATUS.get(status)
    if decision is not None:
        return decision
    # Every other 5xx (500, 502, 503, 504, gateway 52x, ...) is a transient server fault.
    return Decision.RETRY if status >= 500 else Decision.FAIL


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        return max(0.0, float(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 HTTP-dates are GMT; "-0000" parses as naive.
        when = when.replace(tzinfo=UTC)
    reference = now if now is not None else datetime.now(UTC)
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    return max(0.0, (when - reference).total_seconds())


# Beyond this exponent the delay is pinned at max_delay anyway; avoids float overflow.
_MAX_EXPONENT = 60


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by attempts and total elapsed time."""

    max_attempts: int = 6
    max_total_time: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    # 0 = no jitter, 0.5 = delay in [d/2, d] (partial), 1 = delay in [0, d] (full jitter).
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.max_total_time < 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("times must not be negative")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
        delay = min(self.max_delay, self.base_delay * math.pow(2.0, exponent))
        # Jitter spreads retries of many callers so they do not hit the provider in step.
        return delay * (1.0 - self.jitter * random.random())
