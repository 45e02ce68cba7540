"""Fault injection for the Chorus paths: hidden rate limit, noise 429s, 5xx, latency, truncation."""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from collections import deque

from parley.sandbox.config import FaultConfig

__all__ = ["FaultInjector", "RollingWindowLimiter"]

_ERROR_STATUSES = (500, 502, 503, 504)


class RollingWindowLimiter:
    """At most N accepted requests per key in any rolling one-second window."""

    def __init__(self, window_s: float = 1.0) -> None:
        self._window = window_s
        self._accepted: dict[str, deque[float]] = {}
        self._peak: dict[str, int] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, limit: int | None, now: float | None = None) -> bool:
        """Accept (and record) a request unless `limit` were exceeded; None = unlimited."""
        now = time.monotonic() if now is None else now
        with self._lock:
            window = self._accepted.setdefault(key, deque())
            while window and window[0] <= now - self._window:
                window.popleft()
            if limit is not None and len(window) >= limit:
                return False
            window.append(now)
            self._peak[key] = max(self._peak.get(key, 0), len(window))
            return True

    def peak(self, key: str) -> int:
        """Most requests accepted for `key` within any one window so far."""
        with self._lock:
            return self._peak.get(key, 0)

    def reset_peaks(self) -> None:
        """Forget the peaks (the live windows keep limiting)."""
        with self._lock:
            self._peak.clear()


class FaultInjector:
    """Decides, per request, which configured fault (if any) applies."""

    def __init__(self, faults: FaultConfig, seed: int) -> None:
        self.config = faults
        self.limiter = RollingWindowLimiter()
        self._rng = random.Random(f"{seed}:faults")
        self._lock = threading.Lock()

    def latency_s(self) -> float:
        """Delay before answering: the configured latency plus up to 10% jitter."""
        base = self.config.latency_ms / 1000
        if base <= 0:
            return 0.0
        with self._lock:
            return base * (1 + 0.1 * self._rng.random())

    def admit(self, token: str) -> bool:
        """False when the token is over the hidden rate limit (answer 429)."""
        return self.limiter.admit(token, self.config.rate_limit_rps)

    def throttled(self) -> bool:
        """Whether a gateway in front refuses this request (429) whatever the rate."""
        rate = self.config.throttle_rate
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def throttle_retry_after(self, now: float | None = None) -> str:
        """The Retry-After of a noise 429: delta-seconds, or an HTTP-date 1-2 s ahead."""
        value = self.config.throttle_retry_after
        if value != "date":
            return value
        moment = time.time() if now is None else now
        # HTTP-dates have whole seconds: round up, so the wait is never under one second.
        return email.utils.formatdate(math.ceil(moment) + 1, usegmt=True)

    def error_status(self) -> int | None:
        """A 5xx status to inject, or None."""
        rate = self.config.error_rate
        if rate <= 0:
            return None
        with self._lock:
            if self._rng.random() >= rate:
                return None
            return self._rng.choice(_ERROR_STATUSES)

    def truncate(self) -> bool:
        """Whether to cut this 200 body in half."""
        rate = self.config.truncate_rate
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate
