"""The sandbox's recordings are real WAV files: as long as the call, seekable, a tone per turn."""

from __future__ import annotations

import itertools
import struct
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from parley.sandbox.audio import SAMPLE_RATE, parse_range, tone_hz


def _done_meeting(client: httpx.Client) -> dict[str, Any]:
    body = client.get("/v3/engagements").json()
    return next(
        r
        for r in body["engagements"]
        if r["processing_state"] == "done" and not r["no_show"] and r["duration"] > 600
    )


@pytest.fixture
def media(client: httpx.Client) -> tuple[dict[str, Any], str]:
    """A finished call's engagement row and its signed download URL."""
    row = _done_meeting(client)
    info = client.get(f"/api/v1/conversations/{row['engagement_id']}/media?info=true").json()
    return row, info["url"]


def _utterances(client: httpx.Client, meeting_id: str) -> list[dict[str, Any]]:
    doc = client.get(f"/api/v1/conversations/{meeting_id}").json()
    utterances: list[dict[str, Any]] = doc["data"]["attributes"]["recording"]["utterances"]
    return utterances


def _wav_header(data: bytes) -> dict[str, int]:
    riff, _, wave, fmt, _, pcm, channels, rate, byte_rate, _, bits, tag, size = struct.unpack(
        "<4sI4s4sIHHIIHH4sI", data[:44]
    )
    assert (riff, wave, fmt, tag, pcm) == (b"RIFF", b"WAVE", b"fmt ", b"data", 1)
    return {"channels": channels, "rate": rate, "byte_rate": byte_rate, "bits": bits, "size": size}


def _frequency(pcm: bytes) -> float:
    """Zero crossings per second of a stretch of 16-bit mono samples, halved."""
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    crossings = sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))
    return crossings / 2 / (len(samples) / SAMPLE_RATE)


def test_a_recording_is_a_wav_as_long_as_the_call(
    anon: httpx.Client, media: tuple[dict[str, Any], str]
) -> None:
    row, url = media

    head = anon.head(url)
    first = anon.get(url, headers={"Range": "bytes=0-43"})

    assert head.status_code == 200
    assert head.headers["accept-ranges"] == "bytes"
    assert head.headers["content-type"] == "audio/wav"
    assert head.content == b""
    header = _wav_header(first.content)
    assert (header["channels"], header["bits"]) == (1, 16)
    assert int(head.headers["content-length"]) == 44 + header["size"]
    assert header["size"] / header["byte_rate"] == pytest.approx(row["duration"], abs=1 / 8000)


@pytest.mark.parametrize(
    "spec", ["bytes=1000-4999", "bytes=43-44", "bytes=80001-", "bytes=-777", "bytes=0-0"]
)
def test_byte_ranges_are_the_same_slice_of_the_whole_file(
    anon: httpx.Client, media: tuple[dict[str, Any], str], spec: str
) -> None:
    _, url = media
    size = int(anon.head(url).headers["content-length"])
    expected = parse_range(spec, size)
    # The whole file once, to compare with (a 10+ minute call is a few MB).
    whole = anon.get(url).content

    part = anon.get(url, headers={"Range": spec})

    assert len(whole) == size
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes {expected.start}-{expected.end}/{size}"
    assert int(part.headers["content-length"]) == expected.length
    assert part.content == whole[expected.start : expected.end + 1]


@pytest.mark.parametrize("spec", ["bytes=999999999-", "bytes=5-2", "items=0-1", "bytes=0-1,4-5"])
def test_an_unsatisfiable_or_malformed_range_is_a_416(
    anon: httpx.Client, media: tuple[dict[str, Any], str], spec: str
) -> None:
    _, url = media
    size = anon.head(url).headers["content-length"]

    response = anon.get(url, headers={"Range": spec})

    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"


def test_each_turn_sounds_in_its_speakers_tone(
    client: httpx.Client, anon: httpx.Client, media: tuple[dict[str, Any], str]
) -> None:
    row, url = media
    utterances = _utterances(client, row["engagement_id"])
    slots: dict[int, int] = {}
    for u in utterances:
        slots.setdefault(u["participant"], len(slots))
    long_turns = [u for u in utterances if u["snippet_length"] >= 1.0][:12]
    assert len({u["participant"] for u in long_turns}) >= 2

    for turn in long_turns:
        # A quarter second from the middle of the turn, fetched the way a seeking player does.
        middle = turn["snippet_time"] + turn["snippet_length"] / 2
        first = 44 + 2 * int(middle * SAMPLE_RATE)
        window = anon.get(url, headers={"Range": f"bytes={first}-{first + 2 * 2000 - 1}"})
        expected = tone_hz(slots[turn["participant"]])
        assert _frequency(window.content) == pytest.approx(expected, rel=0.03), turn["index"]


def test_between_turns_is_silence(
    client: httpx.Client, anon: httpx.Client, media: tuple[dict[str, Any], str]
) -> None:
    row, url = media
    utterances = _utterances(client, row["engagement_id"])
    gaps = [
        (a["snippet_time"] + a["snippet_length"], b["snippet_time"])
        for a, b in itertools.pairwise(utterances)
        if b["snippet_time"] - (a["snippet_time"] + a["snippet_length"]) > 0.2
    ]
    assert gaps
    silent: Callable[[bytes], bool] = lambda pcm: pcm.strip(b"\x00") == b""  # noqa: E731
    end, start = gaps[0]
    middle = (end + start) / 2
    first = 44 + 2 * int(middle * SAMPLE_RATE)
    window = anon.get(url, headers={"Range": f"bytes={first}-{first + 199}"})
    assert silent(window.content)
