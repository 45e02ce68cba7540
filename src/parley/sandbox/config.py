"""Sandbox settings: what data to generate and which faults to inject."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Literal

__all__ = [
    "FaultConfig",
    "QuirkConfig",
    "SandboxConfig",
    "UsersShape",
    "default_token",
    "today_anchor",
]

UsersShape = Literal["array", "wrapped", "jsonapi"]
LastPage = Literal["empty", "echo", "null"]

_USERS_SHAPES: tuple[str, ...] = ("array", "wrapped", "jsonapi")
_LAST_PAGES: tuple[str, ...] = ("empty", "echo", "null")

# Short names accepted by `FaultConfig.parse` (the `--faults` CLI string).
_FAULT_ALIASES = {
    "rate": "rate_limit_rps",
    "rps": "rate_limit_rps",
    "retry_after": "rate_limit_retry_after",
    "errors": "error_rate",
    "error": "error_rate",
    "latency": "latency_ms",
    "truncate": "truncate_rate",
    "throttle": "throttle_rate",
}
_QUIRK_ALIASES = {"overlap": "page_overlap", "echo_last_key": "repeat_last_key"}
#: most rows a page may repeat (a page holds 100, and must bring at least one new row)
MAX_OVERLAP = 99
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def default_token(seed: int) -> str:
    """The API token a sandbox with this seed accepts by default."""
    return "sbx_" + hashlib.sha256(f"parley-sandbox-token:{seed}".encode()).hexdigest()[:32]


def today_anchor() -> datetime:
    """Today at 00:00 UTC: the newest generated meeting lies just before it."""
    now = datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _as_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name}: expected a boolean, got {value!r}")


def _as_rate(name: str, value: object) -> float:
    number = float(value)  # type: ignore[arg-type]
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name}: expected a share between 0 and 1, got {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Faults injected on the Chorus API paths (never on admin or media routes)."""

    error_rate: float = 0.0
    rate_limit_rps: int | None = None
    rate_limit_retry_after: bool = True
    latency_ms: float = 0.0
    truncate_rate: float = 0.0
    #: share of Chorus API requests answered 429 whatever the rate (a gateway's noise)
    throttle_rate: float = 0.0
    #: Retry-After of those 429s: delta-seconds ("1"), or "date" (an HTTP-date 1-2 s ahead)
    throttle_retry_after: str = "1"

    def __post_init__(self) -> None:
        _as_rate("error_rate", self.error_rate)
        _as_rate("truncate_rate", self.truncate_rate)
        _as_rate("throttle_rate", self.throttle_rate)
        after = self.throttle_retry_after
        if after != "date" and not (after.isdigit() and len(after) <= 4):
            raise ValueError(
                f"throttle_retry_after: expected whole seconds or 'date', got {after!r}"
            )
        if self.latency_ms < 0:
            raise ValueError("latency_ms: must not be negative")
        if self.rate_limit_rps is not None and self.rate_limit_rps < 1:
            raise ValueError("rate_limit_rps: must be at least 1 (or None for no limit)")

    @classmethod
    def parse(cls, spec: str) -> FaultConfig:
        """Build from `rate=20,retry_after=0,errors=0.2,latency=50,truncate=0.05`."""
        values: dict[str, str] = {}
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"fault {part!r}: expected key=value")
            values[key.strip()] = value.strip()
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> FaultConfig:
        """Build from field names (or their short aliases); absent fields keep defaults."""
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, object] = {}
        for raw_key, value in values.items():
            key = _FAULT_ALIASES.get(raw_key, raw_key)
            if key not in known:
                raise ValueError(f"unknown fault {raw_key!r}")
            kwargs[key] = _coerce_fault(key, value)
        return cls(**kwargs)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        """The fields as a JSON-ready mapping."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _coerce_fault(key: str, value: object) -> object:
    if key == "throttle_retry_after":
        return str(value).strip().lower()
    if key == "rate_limit_retry_after":
        return _as_bool(key, value)
    if key == "rate_limit_rps":
        if value is None or value == "" or str(value).lower() in {"none", "off"}:
            return None
        number = int(float(value))  # type: ignore[arg-type]
        return None if number == 0 else number
    if isinstance(value, bool):
        raise ValueError(f"{key}: expected a number, got {value!r}")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{key}: expected a number, got {value!r}") from None


@dataclass(frozen=True, slots=True)
class QuirkConfig:
    """Paging behaviours of some Chorus deployments (not faults: every answer is a 200)."""

    #: page N+1 starts with the last N rows of page N
    page_overlap: int = 0
    #: the empty last page repeats the continuation key it was asked with
    repeat_last_key: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.page_overlap <= MAX_OVERLAP:
            raise ValueError(f"page_overlap: expected 0 to {MAX_OVERLAP} rows")

    @classmethod
    def parse(cls, spec: str) -> QuirkConfig:
        """Build from `page_overlap=1,repeat_last_key` (a bare name switches a flag on)."""
        values: dict[str, str] = {}
        for part in spec.split(","):
            part = part.strip()
            if part:
                key, sep, value = part.partition("=")
                values[key.strip()] = value.strip() if sep else "true"
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> QuirkConfig:
        """Build from field names (or their aliases); absent fields keep defaults."""
        kwargs: dict[str, object] = {}
        for raw_key, value in values.items():
            key = _QUIRK_ALIASES.get(raw_key, raw_key)
            if key == "repeat_last_key":
                kwargs[key] = _as_bool(key, value)
            elif key == "page_overlap":
                if isinstance(value, bool):
                    raise ValueError(f"{key}: expected a number of rows, got {value!r}")
                try:
                    kwargs[key] = int(str(value))
                except ValueError:
                    raise ValueError(f"{key}: expected a number of rows, got {value!r}") from None
            else:
                raise ValueError(f"unknown quirk {raw_key!r}")
        return cls(**kwargs)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        """The fields as a JSON-ready mapping."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """What the sandbox generates and how it answers; defaults make a small demo org."""

    seed: int = 42
    meetings: int = 250
    users: int = 12
    teams: int = 3
    tokens: tuple[str, ...] = ()
    anchor: datetime = field(default_factory=today_anchor)
    span_days: int = 180
    users_shape: UsersShape = "array"
    last_page: LastPage = "empty"
    media_ttl_s: int = 300
    faults: FaultConfig = field(default_factory=FaultConfig)
    quirks: QuirkConfig = field(default_factory=QuirkConfig)

    def __post_init__(self) -> None:
        if not self.tokens:
            object.__setattr__(self, "tokens", (default_token(self.seed),))
        if self.anchor.tzinfo is None:
            raise ValueError("anchor must be timezone-aware (UTC)")
        if self.meetings < 0:
            raise ValueError("meetings must not be negative")
        if self.teams < 1 or self.users < self.teams + 2:
            raise ValueError("need at least one team and users >= teams + 2")
        if self.span_days < 1:
            raise ValueError("span_days must be at least 1")
        if self.users_shape not in _USERS_SHAPES:
            raise ValueError(f"users_shape must be one of {_USERS_SHAPES}")
        if self.last_page not in _LAST_PAGES:
            raise ValueError(f"last_page must be one of {_LAST_PAGES}")

    @property
    def token(self) -> str:
        """The first accepted token."""
        return self.tokens[0]

    def with_faults(self, faults: FaultConfig | str) -> SandboxConfig:
        """A copy with other faults (a FaultConfig or a `FaultConfig.parse` string)."""
        parsed = FaultConfig.parse(faults) if isinstance(faults, str) else faults
        return replace(self, faults=parsed)
