"""The retry schedule: the delay before each attempt of a delivery (pure)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from parley.errors import ParleyError

__all__ = ["next_attempt_at", "parse_schedule"]

_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DELAY = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")


def parse_schedule(text: str) -> tuple[float, ...]:
    """Comma-separated delays (`0,5s,5m,2h`; a bare number is seconds) -> seconds."""
    delays: list[float] = []
    for part in text.split(","):
        match = _DELAY.match(part.strip().lower())
        if match is None:
            raise ParleyError(
                f"PARLEY_WEBHOOK_RETRY_SCHEDULE: {part.strip()!r} is not a delay "
                "(a number with an optional unit s, m, h or d).",
                code="invalid_setting",
            )
        delays.append(float(match.group(1)) * _UNITS[match.group(2)])
    return tuple(delays)


def next_attempt_at(
    schedule: tuple[float, ...], attempts_made: int, now: datetime
) -> datetime | None:
    """When to try again after `attempts_made` failed attempts; None once the schedule is spent."""
    if attempts_made >= len(schedule):
        return None
    return now + timedelta(seconds=schedule[attempts_made])
