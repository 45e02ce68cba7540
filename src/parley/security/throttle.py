"""Per-credential request budgets for Parley's own API: a token bucket in GCRA form.

A key (the hash of a presented bearer credential) may send `burst` requests at once and
`rate` per second sustained. The bucket is kept as one number per key, its *theoretical
arrival time* `tat` (GCRA): a request at `now` is admitted when
`max(tat, now) + 1/rate - now <= burst / rate`, and then moves `tat` one interval later;
a refused request changes nothing and learns how long until one more would fit. A key whose
`tat` is in the past has a full bucket, exactly like a key never seen, so forgetting it
loses nothing. `storage.api_rate_limits` runs the same rule in one SQL statement (scale mode).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Admission", "KeyRateLimiter", "MemoryKeyRateLimiter", "admit"]

Clock = Callable[[], float]

# Float sums of intervals may exceed the bound by rounding only.
_EPSILON = 1e-9
#: Keys remembered by one process: the least recently used are forgotten first.
DEFAULT_MAX_KEYS = 65_536


class KeyRateLimiter(Protocol):
    """Admits or refuses one request of a key (memory or shared backends)."""

    async def admit(self, key: str) -> float:
        """0 when `key` may make this request (and it is counted), else seconds to wait."""
        ...


@dataclass(frozen=True)
class Admission:
    """The verdict on one request: the key's next `tat` and the wait (0: admitted)."""

    tat: float
    wait: float


def admit(tat: float, now: float, *, rate: float, burst: int) -> Admission:
    """GCRA: admit a request at `now` for a key whose theoretical arrival time is `tat`."""
    interval = 1.0 / rate
    following = max(tat, now) + interval
    over = following - now - burst * interval
    if over <= _EPSILON:
        return Admission(tat=following, wait=0.0)
    return Admission(tat=tat, wait=over)


class MemoryKeyRateLimiter:
    """Budgets in this process (embedded mode); at most `max_keys` keys are remembered."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Clock = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1 or max_keys < 1:
            raise ValueError("rate must be positive, burst and max_keys at least 1")
        self._rate = rate
        self._burst = burst
        self._max_keys = max_keys
        self._clock = clock
        self._tats: OrderedDict[str, float] = OrderedDict()

    async def admit(self, key: str) -> float:
        """0 when `key` may make this request (and it is counted), else seconds to wait."""
        now = self._clock()
        tats = self._tats
        verdict = admit(tats.get(key, now), now, rate=self._rate, burst=self._burst)
        tats[key] = verdict.tat
        tats.move_to_end(key)
        if len(tats) > self._max_keys:
            # Unknown keys cannot grow memory: the least recently seen key goes (a key left
            # alone for burst/rate seconds has a full bucket anyway).
            tats.popitem(last=False)
        return verdict.wait

    def __len__(self) -> int:
        return len(self._tats)
