"""What a 429 says about the request rate: classify first, then the limiter acts (pure).

Some gateways answer a fixed share of requests with 429 whatever the rate. Treating each of
those as proof of being too fast collapses the learned rate (each one cut it by 5 % and paused
the key for its Retry-After). A real limit looks different: it refuses at the highest count
per window the provider ever saw, and it refuses more as the rate rises. So a 429 is:

- `STALE` within one window of the last decrease: part of the episode already acted on;
- `LIMIT` when 429s became frequent relative to the key's baseline: over the last couple of
  windows their share exceeds the long-run share of sporadic ones by `FREQUENT_SHARE`;
- `SPORADIC` when, even counting every unanswered request as accepted, fewer requests were
  accepted in the window before the refused one than the provider already accepted in one
  window (its peak over the horizon): the provider took more before, so the rate is not it;
- `LIMIT` when it is the `CLUSTER`-th refusal at that edge while a suspicion is open (a
  suspicion closes after a few windows, or as soon as the provider accepted clearly more in
  one window than the count it was opened at: that disproves it, see `open_suspects`);
- `SUSPECT` otherwise: at the edge, but one 429 is not a cluster yet.

Only `LIMIT` lowers the rate and pauses the key; a `SPORADIC` or `SUSPECT` 429 delays only
the refused request, which the client retries after its Retry-After.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CLUSTER",
    "FREQUENT_SHARE",
    "Decayed",
    "Refusal",
    "RefusalFacts",
    "classify_refusal",
    "open_suspects",
    "peak_per_window",
]

#: edge refusals within one suspicion that make it a limit
CLUSTER = 3
#: a recent 429 share this far above the baseline (sporadic 429s only) is a limit
FREQUENT_SHARE = 0.2
#: fewest recent sends (decayed) a share is trusted on
MIN_SAMPLE = 10.0


class Refusal(StrEnum):
    """What one 429 means for the key's rate."""

    STALE = "stale"
    SPORADIC = "sporadic"
    SUSPECT = "suspect"
    LIMIT = "limit"


@dataclass(frozen=True, slots=True)
class RefusalFacts:
    """What the limiter knows when a 429 comes back."""

    #: within one window of the last decrease
    stale: bool
    #: most requests the provider can have accepted in the window before the refused one
    at_most: float
    #: most requests it accepted in one window, over the horizon (0: none yet)
    peak: float
    #: 429 share and sends over the last couple of windows (exponentially decayed)
    recent_share: float
    recent_sent: float
    #: the long-run share of sporadic 429s of the key
    baseline: float
    #: edge refusals in the open suspicion before this one (0: none open)
    suspects: int


def classify_refusal(facts: RefusalFacts) -> Refusal:
    """The decision the limiter acts on (see the module docstring for the rules)."""
    if facts.stale:
        return Refusal.STALE
    # The baseline counts only sporadic 429s, and at most FREQUENT_SHARE of them.
    frequent = FREQUENT_SHARE + min(facts.baseline, FREQUENT_SHARE)
    if facts.recent_sent >= MIN_SAMPLE and facts.recent_share > frequent:
        return Refusal.LIMIT
    if facts.at_most < facts.peak:
        return Refusal.SPORADIC
    if facts.suspects + 1 >= CLUSTER:
        return Refusal.LIMIT
    return Refusal.SUSPECT


def open_suspects(suspects: int, open_: bool, level: float, peak: float) -> int:
    """Edge 429s still counting toward a cluster: none once the suspicion closed, or once
    the provider accepted clearly more in one window (`peak`) than the count it was opened
    at (`level`): then those 429s were sporadic after all. The margin absorbs the jitter
    between when a request is sent and when the provider counts it."""
    if not open_ or peak > level * 1.05 + 1:
        return 0
    return suspects


def peak_per_window(stamps: list[float] | tuple[float, ...], window: float) -> int:
    """Most of the sorted `stamps` that fall in any window ending at one of them."""
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamps[start] <= stamp - window:
            start += 1
        best = max(best, end - start + 1)
    return best


@dataclass(slots=True)
class Decayed:
    """Sends and refusals, exponentially decayed with time constant `tau` (a sliding share)."""

    tau: float
    sent: float = 0.0
    refused: float = 0.0
    at: float = -math.inf

    def _decay(self, now: float) -> None:
        if now > self.at:
            if math.isfinite(self.at):
                weight = math.exp(-(now - self.at) / self.tau)
                self.sent *= weight
                self.refused *= weight
            self.at = now

    def add(self, now: float, *, sent: float = 0.0, refused: float = 0.0) -> None:
        """Count sends and refusals at `now`."""
        self._decay(now)
        self.sent += sent
        self.refused += refused

    def share(self, now: float) -> float:
        """Refusals per send (0 before any send)."""
        self._decay(now)
        return self.refused / self.sent if self.sent > 0 else 0.0

    def sends(self, now: float) -> float:
        """Decayed sends."""
        self._decay(now)
        return self.sent
