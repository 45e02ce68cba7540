"""Lenient scalar fields: pydantic-core's fast path gives exactly what the `as_*` rules give."""

from __future__ import annotations

from typing import Any

import pytest

from parley.providers.chorus.coercion import (
    as_filled,
    as_flag,
    as_integer,
    as_number,
    as_text,
    as_timestamp,
)
from parley.providers.chorus.schemas import ChorusEngagement, ChorusTrackerMatch

VALUES: list[Any] = [
    None,
    "",
    "  ",
    "x",
    "true",
    "FALSE",
    "1632490362",
    " 12 ",
    "1e3",
    "Infinity",
    "NaN",
    "2021-09-24T13:32:42Z",
    0,
    -3,
    3.0,
    3.5,
    1e16,
    2**53,
    2**53 + 1,
    -(2**53) - 1,
    10**400,
    float("nan"),
    float("inf"),
    True,
    False,
    [],
    {},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_scalar_fields_follow_the_as_rules(value: Any) -> None:
    row = ChorusEngagement(subject=value, duration=value, date_time=value, no_show=value)
    match = ChorusTrackerMatch(num_matches=value)

    assert repr(row.subject) == repr(as_text(value))
    assert repr(row.duration) == repr(as_number(value))
    assert repr(row.date_time) == repr(as_timestamp(value))
    assert repr(row.no_show) == repr(as_flag(value))
    assert repr(match.num_matches) == repr(as_integer(value))


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_filled_text_is_text_with_blank_as_none(value: Any) -> None:
    text = as_text(value)
    assert as_filled(value) == (text if text is not None and text.strip() else None)
