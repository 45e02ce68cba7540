"""A unified object already encoded as JSON, for routes that answer it as it is (pure)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EncodedMeeting"]


@dataclass(frozen=True, slots=True)
class EncodedMeeting:
    """A list-level Meeting as JSON, in two parts: what `Meeting` would dump, split.

    `whole()` (`body[:-1] + b',"remote_data":' + remote_data + b'}'`) is the whole object:
    the same JSON value a `Meeting` with these values dumps, fields in the same order
    (`remote_data` is its last). `remote_data` holds the provider's bytes as sent, so spacing
    and number spelling are the provider's.
    """

    id: str
    #: the object without `remote_data`: `{"id":…, …}`
    body: bytes
    #: the `remote_data` object, the provider's own JSON: `{"engagement":{…}}`
    remote_data: bytes

    def whole(self) -> bytes:
        """The whole object's JSON, `remote_data` last as a `Meeting` dumps it."""
        return self.body[:-1] + b',"remote_data":' + self.remote_data + b"}"
