"""Lenient Chorus scalars: the `as_*` rules and the field types that apply them (private).

The contract leaves most /v3 fields untyped and real payloads drift (ids as int or str,
numbers as strings), so scalars coerce what they can and drop what they cannot: a surprising
value becomes null instead of failing the whole meeting. `schemas.py` types its models with
these; the lean paths (`listing.py`, `conversation.py`) call the same rules on raw JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

__all__ = [
    "Flag",
    "Integer",
    "Number",
    "Text",
    "Texts",
    "Timestamp",
    "as_filled",
    "as_flag",
    "as_integer",
    "as_number",
    "as_object",
    "as_objects",
    "as_text",
    "as_texts",
    "as_timestamp",
]


# Every int up to 2**53 in size survives a round trip through float exactly.
_EXACT_FLOAT = 2**53


def as_text(value: Any) -> str | None:
    """A Chorus text field: strings as they are, numbers as digits, anything else None."""
    if value.__class__ is str:  # the usual cases first: called for every field of a transcript
        return value
    if value.__class__ is int:
        return str(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return None


def as_filled(value: Any) -> str | None:
    """`as_text`, with blank as None: Chorus sends "" for absent values (e.g. `account_id`)."""
    text = as_text(value)
    return text if text and not text.isspace() else None


def as_number(value: Any) -> float | None:
    """A finite number from a number or a numeric string, else None."""
    if value.__class__ is float:
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # past the largest float
            return None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def as_integer(value: Any) -> int | None:
    """A whole number (as `as_number` reads it), else None."""
    if value.__class__ is int and -_EXACT_FLOAT <= value <= _EXACT_FLOAT:
        return value  # what the float round trip gives
    number = as_number(value)
    return int(number) if number is not None and number.is_integer() else None


def as_flag(value: Any) -> bool | None:
    """A boolean, or the strings "true"/"false" in any case, else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return None


def as_objects(value: Any) -> list[Any] | None:
    """The JSON objects of a list (one odd element must not sink its siblings), else None."""
    if not isinstance(value, list):
        return None
    return [item for item in value if isinstance(item, dict)]


def as_texts(value: Any) -> list[str] | None:
    """The texts of a list (elements that are not text or numbers dropped), else None."""
    if not isinstance(value, list):
        return None
    return [text for text in (as_text(item) for item in value) if text is not None]


def as_timestamp(value: Any) -> float | str | None:
    """Epoch seconds as a number, else the text (ISO 8601), else None."""
    number = as_number(value)
    return number if number is not None else as_text(value)


def as_object(value: Any) -> Any:
    """A JSON object, else None."""
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class _Coerced:
    """The usual exact type is checked in pydantic-core; anything else goes to `coerce`.

    The result is the one `coerce` alone would give (it returns those values unchanged), but a
    transcript's thousands of plain strings and numbers no longer each cost a Python call.
    """

    usual: CoreSchema
    coerce: Callable[[Any], Any]

    def __get_pydantic_core_schema__(self, _: Any, __: GetCoreSchemaHandler) -> CoreSchema:
        fallback = core_schema.no_info_plain_validator_function(self.coerce)
        usual = core_schema.nullable_schema(self.usual)
        return core_schema.union_schema([usual, fallback], mode="left_to_right")


_FINITE = core_schema.float_schema(strict=True, allow_inf_nan=False)  # ints become floats
# `as_integer` reads through a float, exact up to 2**53: beyond that it decides.
_EXACT = core_schema.int_schema(strict=True, ge=-_EXACT_FLOAT, le=_EXACT_FLOAT)

Text = Annotated[str | None, _Coerced(core_schema.str_schema(strict=True), as_text)]
Number = Annotated[float | None, _Coerced(_FINITE, as_number)]
Integer = Annotated[int | None, _Coerced(_EXACT, as_integer)]
Flag = Annotated[bool | None, _Coerced(core_schema.bool_schema(strict=True), as_flag)]
Texts = Annotated[list[str] | None, BeforeValidator(as_texts)]
# Epoch seconds on /v3, ISO 8601 on /api/v1; either may turn up, so keep the raw value.
Timestamp = Annotated[float | str | None, _Coerced(_FINITE, as_timestamp)]
