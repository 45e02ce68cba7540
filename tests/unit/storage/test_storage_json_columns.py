"""JSON columns' text: what msgspec writes, what json.loads read before, both read back."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from parley.storage.db import json_text, json_value


def test_json_text_is_compact_json_that_reads_back() -> None:
    value = {"b": [1, 2.5, None, True], "a": "é\x00", "n": 12345678901234567890123}

    text = json_text(value)

    assert json.loads(text) == value
    assert json_value(text) == value
    assert " " not in text


def test_non_finite_numbers_are_written_as_null() -> None:
    assert json.loads(json_text({"a": math.nan, "b": math.inf})) == {"a": None, "b": None}


def test_text_written_by_json_dumps_before_still_reads() -> None:
    old = json.dumps({"a": math.nan, "b": [1, 2]})

    value = json_value(old)

    assert math.isnan(value["a"])
    assert value["b"] == [1, 2]


def test_a_datetime_is_written_as_iso_text() -> None:
    moment = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

    assert json_value(json_text({"at": moment})) == {"at": "2026-11-29T12:00:00Z"}
