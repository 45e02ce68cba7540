"""Everything one running sandbox holds: generated data, tokens, faults and counters."""

from __future__ import annotations

import hashlib
import hmac

from parley.sandbox.auth import TokenRegistry
from parley.sandbox.config import FaultConfig, QuirkConfig, SandboxConfig
from parley.sandbox.faults import FaultInjector
from parley.sandbox.org import Org, build_org
from parley.sandbox.stats import RequestStats
from parley.sandbox.store import MeetingStore

__all__ = ["MediaSigner", "SandboxState"]


class MediaSigner:
    """Short-lived signed media URLs, like a storage bucket's pre-signed links."""

    def __init__(self, seed: int, ttl_s: int) -> None:
        self._key = hashlib.sha256(f"parley-sandbox-media:{seed}".encode()).digest()
        self.ttl_s = ttl_s

    def signature(self, meeting_id: str, kind: str, expires: int) -> str:
        """Hex HMAC over the URL's meaningful parts."""
        message = f"{meeting_id}:{kind}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:40]

    def valid(self, meeting_id: str, kind: str, expires: int, signature: str) -> bool:
        """Constant-time check of a signature (expiry is checked by the caller)."""
        return hmac.compare_digest(self.signature(meeting_id, kind, expires), signature)


class SandboxState:
    """The live state behind one sandbox app."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.org: Org = build_org(config)
        self.store = MeetingStore(config, self.org)
        self.tokens = TokenRegistry(dict.fromkeys(config.tokens, self.org.admin.id))
        self.faults = FaultInjector(config.faults, config.seed)
        self.quirks: QuirkConfig = config.quirks
        self.stats = RequestStats()
        self.signer = MediaSigner(config.seed, config.media_ttl_s)

    def set_faults(self, faults: FaultConfig) -> None:
        """Switch faults at runtime."""
        self.faults.config = faults

    def set_quirks(self, quirks: QuirkConfig) -> None:
        """Switch paging quirks at runtime."""
        self.quirks = quirks

    def stats_snapshot(self) -> dict[str, object]:
        """Counters with each token's peak rate."""
        peaks = {token: self.faults.limiter.peak(token) for token in self.stats.tokens()}
        return self.stats.snapshot(peaks)

    def reset_stats(self) -> None:
        """Zero counters and peaks."""
        self.stats.reset()
        self.faults.limiter.reset_peaks()
