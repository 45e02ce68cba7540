"""How long one API request waited on providers: the `provider` part of `Server-Timing`.

A face opens a `ProviderTimer` for a request (`timing()`); every provider HTTP send made in
that context (each attempt, retries included) is timed by `provider_send()`. The timer keeps
the wall time during which at least one send was in flight, so concurrent sends are not
counted twice and `provider` never exceeds the request's own duration. Parley's pacing
waits and retry backoff are not sends: they count as Parley's time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["ProviderTimer", "provider_send", "timing"]


class ProviderTimer:
    """Wall time with at least one provider send in flight, seconds."""

    __slots__ = ("_in_flight", "_since", "seconds")

    def __init__(self) -> None:
        self.seconds = 0.0
        self._in_flight = 0
        self._since = 0.0

    def _enter(self) -> None:
        if self._in_flight == 0:
            self._since = time.perf_counter()
        self._in_flight += 1

    def _exit(self) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self.seconds += time.perf_counter() - self._since


# A mutable holder: seen even where the framework copies the context (dependencies, tasks).
_current: ContextVar[ProviderTimer | None] = ContextVar("parley_provider_timer", default=None)


@contextmanager
def timing() -> Iterator[ProviderTimer]:
    """A fresh timer for the provider sends made inside the block."""
    timer = ProviderTimer()
    token = _current.set(timer)
    try:
        yield timer
    finally:
        _current.reset(token)


@contextmanager
def provider_send() -> Iterator[None]:
    """Time one provider send for the current request's timer, if there is one."""
    timer = _current.get()
    if timer is None:
        yield
        return
    timer._enter()
    try:
        yield
    finally:
        timer._exit()
