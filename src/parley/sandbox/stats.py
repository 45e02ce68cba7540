"""Request counters for `/_sandbox/stats`: what clients did and which faults they met."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field

__all__ = ["RequestStats"]


@dataclass
class _TokenStats:
    requests: int = 0
    rate_limited: int = 0
    errors_injected: int = 0
    paths: Counter[str] = field(default_factory=Counter)
    # Arrival times in the last second (accepted or refused) and their peak count.
    recent: deque[float] = field(default_factory=deque)
    received_peak: int = 0


class RequestStats:
    """Thread-safe counters over the Chorus paths."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._total = 0
        self._unauthorized = 0
        self._rate_limited = 0
        self._throttled = 0
        self._errors = 0
        self._truncated = 0
        self._statuses: Counter[int] = Counter()
        self._tokens: dict[str, _TokenStats] = {}

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._reset()

    def request(self, token: str | None, path: str) -> None:
        """Count an incoming Chorus request (token None when it failed auth)."""
        with self._lock:
            self._total += 1
            if token is None:
                self._unauthorized += 1
                return
            entry = self._tokens.setdefault(token, _TokenStats())
            entry.requests += 1
            entry.paths[path] += 1
            now = time.monotonic()
            while entry.recent and entry.recent[0] <= now - 1.0:
                entry.recent.popleft()
            entry.recent.append(now)
            entry.received_peak = max(entry.received_peak, len(entry.recent))

    def rate_limited(self, token: str, *, throttled: bool = False) -> None:
        """Count a 429."""
        with self._lock:
            self._rate_limited += 1
            self._throttled += throttled
            self._tokens[token].rate_limited += 1

    def error_injected(self, token: str) -> None:
        """Count an injected 5xx."""
        with self._lock:
            self._errors += 1
            self._tokens[token].errors_injected += 1

    def truncated(self) -> None:
        """Count a truncated 200 body."""
        with self._lock:
            self._truncated += 1

    def status(self, status: int) -> None:
        """Count a response status."""
        with self._lock:
            self._statuses[status] += 1

    def tokens(self) -> list[str]:
        """Tokens seen since the last reset."""
        with self._lock:
            return list(self._tokens)

    def snapshot(self, peaks: dict[str, int]) -> dict[str, object]:
        """A JSON-ready view; `peaks` maps token -> max accepted in any 1 s window."""
        with self._lock:
            return {
                "total_requests": self._total,
                "unauthorized": self._unauthorized,
                "rate_limited": self._rate_limited,
                "throttled": self._throttled,
                "errors_injected": self._errors,
                "truncated": self._truncated,
                "statuses": {str(k): v for k, v in sorted(self._statuses.items())},
                "tokens": {
                    token: {
                        "requests": entry.requests,
                        "accepted": entry.requests - entry.rate_limited,
                        "rate_limited": entry.rate_limited,
                        "errors_injected": entry.errors_injected,
                        "max_requests_per_second": peaks.get(token, 0),
                        "max_received_per_second": entry.received_peak,
                        "paths": dict(sorted(entry.paths.items())),
                    }
                    for token, entry in self._tokens.items()
                },
            }
