"""A page of results in the list envelope."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

__all__ = ["Page"]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """`{"result": [...], "next_cursor": "…"|null, "result_count": n}`."""

    result: list[T]
    next_cursor: str | None = None

    @property
    def result_count(self) -> int:
        return len(self.result)

    def envelope(self) -> dict[str, object]:
        """The JSON body of the list envelope."""
        return {
            "result": [
                r.model_dump(mode="json") if isinstance(r, BaseModel) else r for r in self.result
            ],
            "next_cursor": self.next_cursor,
            "result_count": self.result_count,
        }
