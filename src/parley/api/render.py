"""Unified objects as JSON response bodies, serialised by pydantic-core in one pass.

Dumping each model to a dict and handing the dicts to FastAPI walked every list result twice
in Python (model_dump, then the response's own encoding). Here the models go to
`dump_json` as they are: the output options become an `exclude` set, and the bytes are the
response. The OpenAPI document is unchanged: routes declare `response_model` themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pydantic_core
from fastapi import Response
from pydantic import BaseModel, TypeAdapter

from parley.api.params import OutputOptions
from parley.reads.live import EncodedMeetingsPage, LivePage
from parley.unified import EncodedMeeting

__all__ = ["JsonBody", "encoded_page", "envelope", "live_page", "one", "page"]

# `Any` serialises each value by its own schema (a model by its model's, dicts by inference),
# so one adapter serves every resource and the envelope around it.
_JSON: TypeAdapter[Any] = TypeAdapter(Any)


class JsonBody(Response):
    """Pre-serialised JSON bytes."""

    media_type = "application/json"


def _raw(obj: BaseModel, fields: frozenset[str]) -> dict[str, Any]:
    data: dict[str, Any] = dict(getattr(obj, "remote_data", None) or {})
    for field in fields:
        data.pop(field, None)
    return data


def _content(items: Any, out: OutputOptions, *, many: bool) -> tuple[Any, Any]:
    """What to serialise and the `exclude` that applies the output options to it."""
    if out.response_format == "raw":
        # The provider's own JSON: `ignore_remote_data` has nothing left to drop.
        if many:
            return [_raw(o, out.exclude_fields) for o in items], None
        return _raw(items, out.exclude_fields), None
    fields = set(out.exclude_fields)
    if out.ignore_remote_data:
        fields.add("remote_data")
    if not fields:
        return items, None
    return items, {"__all__": fields} if many else fields


def envelope(result: Sequence[Any], next_cursor: str | None = None) -> dict[str, Any]:
    """The list envelope `{"result", "next_cursor", "result_count"}` around `result`."""
    return {"result": result, "next_cursor": next_cursor, "result_count": len(result)}


def one(obj: BaseModel, out: OutputOptions) -> JsonBody:
    """One object, shaped by the output options."""
    content, exclude = _content(obj, out, many=False)
    return JsonBody(_JSON.dump_json(content, exclude=exclude))


def page(items: Sequence[BaseModel], next_cursor: str | None, out: OutputOptions) -> JsonBody:
    """The list envelope `{"result", "next_cursor", "result_count"}` of shaped objects."""
    content, exclude = _content(items, out, many=True)
    body = envelope(content, next_cursor)
    return JsonBody(_JSON.dump_json(body, exclude={"result": exclude} if exclude else None))


def _encoded(item: EncodedMeeting, out: OutputOptions) -> bytes:
    """One encoded meeting shaped by the output options, as `_content` shapes a model."""
    if out.response_format == "raw":
        whole = item.remote_data
    elif out.ignore_remote_data:
        whole = item.body
    else:
        whole = item.whole()
    if not out.exclude_fields:
        return whole
    # Rare: dropping fields means reading the object back.
    data = pydantic_core.from_json(whole)
    for field in out.exclude_fields:
        data.pop(field, None)
    return _JSON.dump_json(data)


def encoded_page(
    items: Sequence[EncodedMeeting], next_cursor: str | None, out: OutputOptions
) -> JsonBody:
    """`page` for meetings already encoded: the envelope written around their bytes."""
    result = b",".join([_encoded(item, out) for item in items])
    tail = _JSON.dump_json({"next_cursor": next_cursor, "result_count": len(items)})
    return JsonBody(b'{"result":[' + result + b"]," + tail[1:])


def live_page(found: LivePage[Any], out: OutputOptions) -> JsonBody:
    """A live read's page: written around the encoded meetings' bytes when it holds them."""
    if isinstance(found, EncodedMeetingsPage):
        return encoded_page(found.items, found.next_cursor, out)
    return page(found.items, found.next_cursor, out)
