"""`source=store` for the unified routes: what a stored read refuses, before it is made.

The unified routes call these once they know the read is a stored one; the account was
already resolved for the caller's tenant (404 otherwise), and `reads.store` answers it.
"""

from __future__ import annotations

from fastapi import Request

from parley.api.params import OutputOptions
from parley.errors import InvalidRequestError, UnsupportedFilterError
from parley.storage.scope import MeetingScope

__all__ = ["check_store_request", "reject_store_only", "require_store_for"]


def require_store_for(scope: MeetingScope | None, source: str) -> None:
    """A read acting as an app user is scoped inside the store's queries: never live."""
    if scope is not None and source != "store":
        raise InvalidRequestError(
            "A read acting as an app user (a scoped token or Parley-As-User) is scoped "
            "inside the synced copy: add source=store.",
            code="scope_requires_store",
            param="source",
        )


def reject_store_only(source: str, **given: object) -> None:
    """`updated_after`, `q` and `topic` read the synced copy: on a live read they are a 400."""
    if source == "store":
        return
    for name, value in given.items():
        if value is not None:
            raise UnsupportedFilterError(
                f"{name!r} filters the synced copy only: add source=store.", param=name
            )


def check_store_request(request: Request, out: OutputOptions) -> None:
    """What a stored read cannot honour: the provider's raw JSON and remote queries."""
    if out.response_format == "raw":
        raise InvalidRequestError(
            "response_format=raw is the provider's own JSON: read it with source=live; "
            "the synced copy serves unified objects.",
            code="unsupported_parameter",
            param="response_format",
        )
    for key in request.query_params:
        if key.startswith("remote_query["):
            raise InvalidRequestError(
                f"{key} goes to the provider: it cannot apply to source=store.",
                code="unsupported_parameter",
                param=key,
            )
