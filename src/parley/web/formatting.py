"""How the insight pages write numbers and dates (Jinja filters: plain functions, cheap)."""

from __future__ import annotations

import math
from datetime import datetime

from jinja2 import Environment

__all__ = ["clock", "day", "install", "percent"]


def clock(seconds: float | None) -> str:
    """Seconds as `m:ss`, or `h:mm:ss` from an hour (as the playback page's `Parley.clock`)."""
    whole = max(0, math.floor(seconds or 0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def percent(ratio: float | None) -> str:
    """A ratio as a percentage with one decimal (`0.4321` -> `43.2 %`, a no-break space)."""
    return f"{(ratio or 0) * 100:.1f}\u00a0%"


def day(when: datetime | None) -> str:
    """A date as `YYYY-MM-DD` (empty for none)."""
    return "" if when is None else when.strftime("%Y-%m-%d")


def install(environment: Environment) -> None:
    """Make the filters available to every template of `environment`."""
    environment.filters.update(clock=clock, percent=percent, day=day)
