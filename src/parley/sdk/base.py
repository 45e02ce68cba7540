"""What both clients share: where to connect, the credential, the default account, and how
one attempt's outcome becomes the next step (retry after a wait, raise, or return)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

import httpx

from parley.errors import ParleyError
from parley.sdk.calls import Call
from parley.sdk.failures import error_from_response
from parley.sdk.retry import RetryPolicy, plan, retry_after_seconds

__all__ = ["DEFAULT_BASE_URL", "ClientConfig", "Outcome", "judge", "judge_failure"]

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
#: Transport failures raised before any byte of the request left: safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _version() -> str:
    try:
        return metadata.version("parley")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "0"


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """The resolved settings of a client (arguments first, then `PARLEY_*` variables)."""

    base_url: str
    api_key: str
    integrated_account_id: str | None
    retry: RetryPolicy
    timeout: float

    @classmethod
    def resolve(
        cls,
        api_key: str | None,
        base_url: str | None,
        integrated_account_id: str | None,
        retry: RetryPolicy | None,
        timeout: float,
    ) -> ClientConfig:
        key = api_key or os.environ.get("PARLEY_API_KEY")
        if not key:
            raise ValueError("No Parley credential: pass api_key= or set PARLEY_API_KEY.")
        url = base_url or os.environ.get("PARLEY_API_URL") or DEFAULT_BASE_URL
        account = integrated_account_id or os.environ.get("PARLEY_INTEGRATED_ACCOUNT_ID") or None
        return cls(url.rstrip("/"), key, account, retry or RetryPolicy(), timeout)

    def headers(self) -> dict[str, str]:
        # An API key and a scoped token (`pst_…`) are both bearer credentials.
        return {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": f"parley-sdk/{_version()}",
        }

    def account(self, given: str | None) -> str:
        account = given or self.integrated_account_id
        if not account:
            raise ValueError(
                "No integrated account: pass integrated_account_id= (or set it on the client)."
            )
        return account

    def __repr__(self) -> str:  # the credential stays out of logs and tracebacks
        return f"ClientConfig(base_url={self.base_url!r}, api_key='***')"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to do after an attempt: wait `wait` seconds and retry, or raise `error`."""

    wait: float | None
    error: ParleyError | None = None


def judge(
    call: Call[object],
    response: httpx.Response,
    policy: RetryPolicy,
    *,
    retries: int,
    waited: float,
    now: Callable[[], datetime],
) -> Outcome:
    """An error response (status ≥ 400): retry after a wait, or the error to raise."""
    retry_after = retry_after_seconds(response.headers.get("retry-after"), now())
    wait = plan(
        policy,
        retries=retries,
        waited=waited,
        idempotent=call.is_idempotent,
        status=response.status_code,
        retry_after=retry_after,
    )
    if wait is not None:
        return Outcome(wait)
    error = error_from_response(
        response.status_code, response.content, response.headers, retry_after=retry_after
    )
    return Outcome(None, error)


def judge_failure(
    call: Call[object],
    exc: httpx.TransportError,
    policy: RetryPolicy,
    *,
    retries: int,
    waited: float,
) -> float | None:
    """A transport failure: seconds to wait before retrying, or None to re-raise it."""
    sent = not isinstance(exc, _NOT_SENT)
    return plan(policy, retries=retries, waited=waited, idempotent=call.is_idempotent, sent=sent)


def utc_now() -> datetime:
    return datetime.now(UTC)
