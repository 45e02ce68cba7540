"""Playable recordings: a PCM WAV as long as the call, one tone per speaker turn, built lazily.

A 45-minute call at 8 kHz 16-bit mono is 43 MB, so the file is never built whole: any byte
range is computed from the turn timeline on demand. Each speaker's tone has a period of a
whole number of samples, so one precomputed cycle repeated (a C-level bytes operation) fills
any stretch of a turn, and sample `i` of the file is `cycle[i % period]` wherever the range
starts: a range equals the same slice of the whole file, byte for byte.
"""

from __future__ import annotations

import math
import struct
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

__all__ = [
    "BYTES_PER_SAMPLE",
    "HEADER_BYTES",
    "SAMPLE_RATE",
    "TONE_PERIODS",
    "ByteRange",
    "RangeError",
    "Turn",
    "WavTrack",
    "parse_range",
    "tone_hz",
]

SAMPLE_RATE = 8_000
BYTES_PER_SAMPLE = 2  # 16-bit signed little-endian PCM, mono
HEADER_BYTES = 44
#: samples per cycle of each speaker's tone (8 kHz / period: 400, 250, 571, 800, 320, 667 Hz…)
TONE_PERIODS = (20, 32, 14, 10, 25, 12, 40, 16)
_AMPLITUDE = 9_000  # about -11 dBFS: audible, never clipping
_CHUNK = 64 * 1024  # bytes per streamed piece


def tone_hz(speaker_slot: int) -> float:
    """The frequency of the tone of speaker number `speaker_slot` (0-based)."""
    return SAMPLE_RATE / TONE_PERIODS[speaker_slot % len(TONE_PERIODS)]


def _cycle(period: int) -> bytes:
    # Sampled half a step off zero, so no sample is exactly 0 and zero crossings are clean.
    values = [round(_AMPLITUDE * math.sin(2 * math.pi * (i + 0.5) / period)) for i in range(period)]
    return struct.pack(f"<{period}h", *values)


_CYCLES = {period: _cycle(period) for period in TONE_PERIODS}


@dataclass(frozen=True, slots=True)
class Turn:
    """A stretch of the recording in one speaker's voice (seconds) and that speaker's slot."""

    start: float
    end: float
    speaker_slot: int


@dataclass(frozen=True, slots=True)
class _Span:
    first: int  # first sample
    stop: int  # one past the last sample
    period: int


class WavTrack:
    """The bytes of one recording's WAV file, any range on demand."""

    def __init__(self, duration: float, turns: Iterable[Turn]) -> None:
        self.samples = max(0, round(duration * SAMPLE_RATE))
        self.data_bytes = self.samples * BYTES_PER_SAMPLE
        self.size = HEADER_BYTES + self.data_bytes
        spans: list[_Span] = []
        last = 0
        for turn in sorted(turns, key=lambda t: t.start):
            first = max(last, round(turn.start * SAMPLE_RATE))
            stop = min(self.samples, round(turn.end * SAMPLE_RATE))
            if stop > first:
                period = TONE_PERIODS[turn.speaker_slot % len(TONE_PERIODS)]
                spans.append(_Span(first, stop, period))
                last = stop
        self._spans = spans
        self._firsts = [span.first for span in spans]
        self._header = self._wav_header()

    def _wav_header(self) -> bytes:
        byte_rate = SAMPLE_RATE * BYTES_PER_SAMPLE
        return struct.pack(
            "<4sI4s4sIHHIIHH4sI",
            b"RIFF",
            36 + self.data_bytes,
            b"WAVE",
            b"fmt ",
            16,  # fmt chunk size
            1,  # PCM
            1,  # mono
            SAMPLE_RATE,
            byte_rate,
            BYTES_PER_SAMPLE,  # block align
            8 * BYTES_PER_SAMPLE,
            b"data",
            self.data_bytes,
        )

    def read(self, start: int, end: int) -> bytes:
        """Bytes `start` to `end` inclusive (clamped to the file)."""
        return b"".join(self.chunks(start, end))

    def chunks(self, start: int, end: int, chunk: int = _CHUNK) -> Iterator[bytes]:
        """Bytes `start` to `end` inclusive, in pieces of at most `chunk` bytes."""
        end = min(end, self.size - 1)
        position = max(0, start)
        while position <= end:
            stop = min(end + 1, position + chunk)
            yield self._piece(position, stop)
            position = stop

    def _piece(self, start: int, stop: int) -> bytes:
        head = self._header[start:stop] if start < HEADER_BYTES else b""
        data_start, data_stop = max(start, HEADER_BYTES) - HEADER_BYTES, stop - HEADER_BYTES
        if data_stop <= data_start:
            return head
        # Whole samples covering the byte range, trimmed to the odd byte at either end.
        first, last = data_start // BYTES_PER_SAMPLE, -(-data_stop // BYTES_PER_SAMPLE)
        pcm = self._samples(first, last)
        skip = data_start - first * BYTES_PER_SAMPLE
        return head + pcm[skip : skip + data_stop - data_start]

    def _samples(self, first: int, stop: int) -> bytes:
        parts: list[bytes] = []
        position = first
        index = max(0, bisect_right(self._firsts, first) - 1)
        spans: Sequence[_Span] = self._spans
        while position < stop:
            span = spans[index] if index < len(spans) else None
            if span is None or position < span.first:
                silence_to = stop if span is None else min(stop, span.first)
                parts.append(bytes((silence_to - position) * BYTES_PER_SAMPLE))
                position = silence_to
                continue
            if position >= span.stop:
                index += 1
                continue
            to = min(stop, span.stop)
            parts.append(_tone(span.period, position, to))
            position = to
            index += 1
        return b"".join(parts)


def _tone(period: int, first: int, stop: int) -> bytes:
    # Sample i is cycle[i % period]: the phase follows the file, not the range asked for.
    cycle = _CYCLES[period]
    offset = (first % period) * BYTES_PER_SAMPLE
    length = (stop - first) * BYTES_PER_SAMPLE
    repeats = -(-(offset + length) // len(cycle))
    return (cycle * repeats)[offset : offset + length]


@dataclass(frozen=True, slots=True)
class ByteRange:
    """An inclusive byte range of a file of `size` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        """Bytes in the range."""
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        """The `Content-Range` header value."""
        return f"bytes {self.start}-{self.end}/{self.size}"


class RangeError(ValueError):
    """A `Range` header that is malformed, multi-part or outside the file (416)."""


def parse_range(header: str, size: int) -> ByteRange:
    """One `bytes=a-b`, `bytes=a-` or `bytes=-n` range of a `size`-byte file.

    Malformed, multi-range and unsatisfiable headers raise RangeError (answered 416).
    """
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec or "-" not in spec:
        raise RangeError(header)
    first, _, last = (part.strip() for part in spec.partition("-"))
    if not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        raise RangeError(header)
    if first == "":
        if last == "" or int(last) == 0:
            raise RangeError(header)
        start, end = max(0, size - int(last)), size - 1
    else:
        start = int(first)
        end = size - 1 if last == "" else min(int(last), size - 1)
        if last != "" and int(last) < start:
            raise RangeError(header)
    if start >= size or size == 0:
        raise RangeError(header)
    return ByteRange(start, end, size)
