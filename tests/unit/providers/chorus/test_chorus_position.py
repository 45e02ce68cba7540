"""Chorus list positions: a continuation key plus the digests of the rows listed before it."""

from __future__ import annotations

import pytest

from parley.providers.chorus.position import TAIL, Position, parse_position


def test_a_position_round_trips_its_key_and_tail() -> None:
    position = Position(None).after("1712.0 abc.def", ["m1", "m2"])

    encoded = position.encode()

    assert encoded is not None
    assert encoded.startswith("pq1.")
    assert parse_position(encoded) == position
    assert position.drops("m2")
    assert not position.drops("m3")


def test_the_tail_keeps_only_the_newest_rows() -> None:
    ids = [f"m{i}" for i in range(25)]

    position = Position(None).after("k1", ids[:20]).after("k2", ids[20:])

    assert position.key == "k2"
    assert len(position.tail) == TAIL
    assert position.drops("m24")
    assert position.drops("m15")
    assert not position.drops("m14")


@pytest.mark.parametrize("plain", ["k1", "1712345678.0 abc", "pq1.", "pq1.abc", "pq1.abcdefgh."])
def test_anything_else_is_a_plain_continuation_key(plain: str) -> None:
    assert parse_position(plain) == Position(plain)
    assert not parse_position(plain).drops("k1")


def test_no_position_is_the_first_page() -> None:
    assert parse_position(None) == Position(None)
    assert Position(None).encode() is None
    assert Position("k1").encode() == "k1"
