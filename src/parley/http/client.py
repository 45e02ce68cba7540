"""The resilient outbound client: limit -> send -> classify -> retry | raise.

Every call takes a token from the limiter, sends, asks `classify` what the answer means and
acts on that decision only: retry 429/5xx/transport failures with backoff honouring
Retry-After (bounded by attempts and total time), or raise the matching `parley.errors`
class with a scrubbed, truncated copy of the remote body.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pydantic_core

from parley.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderForbiddenError,
    ProviderInvalidRequestError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from parley.http.ratelimit import RateLimiter, RateLimitState
from parley.http.retry import RETRYABLE, Decision, RetryPolicy, classify, parse_retry_after
from parley.http.timing import provider_send

__all__ = [
    "REDACTED",
    "REMOTE_BODY_LIMIT",
    "ConnectionPool",
    "HttpOptions",
    "ResilientClient",
    "json_body",
]

logger = logging.getLogger("parley.http")

REMOTE_BODY_LIMIT = 2048
REDACTED = "[REDACTED]"

Describe = Callable[[httpx.Response], str | None]

_ERRORS: dict[Decision, type[ProviderError]] = {
    Decision.RETRY: ProviderUnavailableError,
    Decision.RATE_LIMITED: ProviderRateLimitedError,
    Decision.AUTH: ProviderAuthError,
    Decision.FORBIDDEN: ProviderForbiddenError,
    Decision.NOT_FOUND: ProviderNotFoundError,
    Decision.INVALID: ProviderInvalidRequestError,
    Decision.FAIL: ProviderError,
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class HttpOptions:
    """How a ResilientClient limits, retries and sends; `transport`, `sleep`, clocks are seams."""

    limiter: RateLimiter
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 30.0
    transport: httpx.AsyncBaseTransport | None = None
    max_connections: int = 20
    #: Connections shared by every client of a process (None: each client has its own).
    pool: ConnectionPool | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    # Wall time, only to turn an HTTP-date Retry-After into seconds.
    wall_clock: Callable[[], datetime] = _utcnow


def _http_client(base_url: str, options: HttpOptions) -> httpx.AsyncClient:
    # No credentials here: `ResilientClient` sends its account's headers with each request.
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=options.timeout,
        transport=options.transport,
        limits=httpx.Limits(max_connections=options.max_connections),
        verify=shared_ssl_context(),
        # 3xx is an answer (e.g. a media redirect) the caller decides about.
        follow_redirects=False,
    )


class ConnectionPool:
    """One `httpx.AsyncClient` per provider host for the whole process (e.g. a Runtime).

    Without it every request opened a new connection to the provider: a TLS handshake per
    call against a real host. Clients are per (base URL, transport, timeout, size) and carry
    no credentials: each `ResilientClient` sends its account's headers with every request.
    Close it once, when the process stops serving (`aclose`).
    """

    def __init__(self) -> None:
        self._clients: dict[tuple[Any, ...], httpx.AsyncClient] = {}
        self._closed = False

    def client(self, base_url: str, options: HttpOptions) -> httpx.AsyncClient:
        """The shared client for `base_url` under these options."""
        if self._closed:
            raise RuntimeError("the connection pool is closed")
        key = (base_url, options.transport, options.timeout, options.max_connections)
        client = self._clients.get(key)
        if client is None or client.is_closed:
            client = self._clients[key] = _http_client(base_url, options)
        return client

    async def aclose(self) -> None:
        """Close every shared client (later `client` calls fail)."""
        self._closed = True
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


@dataclass(frozen=True)
class _Call:
    method: str
    url: str
    params: Mapping[str, Any] | None
    json: Any
    content: bytes | str | None
    headers: Mapping[str, str] | None
    decode: Callable[[httpx.Response], Any] | None = None


@dataclass(frozen=True)
class _Outcome:
    """One attempt, classified: the decision plus what is needed to act on it."""

    decision: Decision
    path: str
    response: httpx.Response | None = None
    error: httpx.TransportError | None = None
    retry_after: float | None = None
    payload: Any = None
    invalid_body: bool = False

    @property
    def retryable(self) -> bool:
        return self.decision in RETRYABLE

    @property
    def cause(self) -> str:
        """What went wrong, safe to log: a status or an exception class, never a URL."""
        if self.error is not None:
            return type(self.error).__name__
        assert self.response is not None
        suffix = " (invalid JSON body)" if self.invalid_body else ""
        return f"HTTP {self.response.status_code}{suffix}"


_decode_json = msgspec.json.Decoder().decode


def json_body(response: httpx.Response) -> Any:
    """The response's JSON, as Python values (ValueError when it is not JSON)."""
    # msgspec reads strict UTF-8 JSON fastest (a conversation: 0.5 ms; pydantic-core 0.75,
    # `json` about 1.5). pydantic-core reads what it refuses but JSON writers send anyway
    # (NaN, numbers past a float); httpx's decoder the rest (a BOM, another encoding, a lone
    # surrogate escape), so only a body none of them can read is invalid.
    content = response.content
    try:
        return _decode_json(content)
    except ValueError:
        pass
    try:
        return pydantic_core.from_json(content)
    except ValueError:
        return response.json()


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: building one loads the CA bundle (~25 ms)."""
    return httpx.create_ssl_context()


class ResilientClient:
    """Async HTTP client for one provider account: rate limited, retried, errors classified."""

    def __init__(
        self,
        *,
        base_url: str,
        limiter_key: str,
        options: HttpOptions,
        headers: Mapping[str, str] | None = None,
        describe: Describe | None = None,
        scrub: Sequence[str] = (),
    ) -> None:
        self._key = limiter_key
        self._options = options
        self._describe = describe
        # Longest first, so a secret containing another is redacted whole.
        self._scrub = sorted({secret for secret in scrub if secret}, key=len, reverse=True)
        # The account's own headers (its credentials) go with each request, never into a
        # pooled client that other accounts share.
        self._headers = dict(headers or {})
        self._owned = options.pool is None
        if options.pool is None:
            self._client = _http_client(base_url, options)
        else:
            self._client = options.pool.client(base_url, options)

    async def __aenter__(self) -> ResilientClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send with limits and retries; return a 2xx/3xx response or raise a ProviderError."""
        call = _Call(method, url, params, json, content, headers)
        outcome = await self._run(call, parse_json=False)
        return self._settle(call, outcome)

    async def request_json(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        decode: Callable[[httpx.Response], Any] | None = None,
    ) -> Any:
        """Like `request` but parsed as JSON; bad bodies are retried, then ProviderResponseError.

        `decode` replaces the default JSON decoder (`json_body`); a ValueError from it marks
        the body as invalid, like a truncated one.
        """
        call = _Call(method, url, params, json, content, headers, decode)
        outcome = await self._run(call, parse_json=True)
        self._settle(call, outcome)
        return outcome.payload

    async def send_raw(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Proxy send: retry 429/5xx/transport errors, then return the last response as it is."""
        call = _Call(method, url, params, None, content, headers)
        outcome = await self._run(call, parse_json=False)
        if outcome.response is None:
            raise self._transport_error(call, outcome)
        return outcome.response

    def rate_limit_state(self) -> RateLimitState:
        """This account's budget, for the RateLimit-* response headers."""
        return self._options.limiter.state(self._key)

    async def aclose(self) -> None:
        """Close this client's connections (a shared pool's stay open for the next client)."""
        if self._owned:
            await self._client.aclose()

    async def _run(self, call: _Call, *, parse_json: bool) -> _Outcome:
        policy = self._options.policy
        started = self._options.clock()
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._attempt(call, parse_json=parse_json)
            if not outcome.retryable:
                return outcome
            delay = outcome.retry_after
            if delay is None:
                delay = policy.backoff(attempt)
            elapsed = self._options.clock() - started
            if attempt >= policy.max_attempts or elapsed + delay > policy.max_total_time:
                logger.info(
                    "giving up on %s %s after %s (attempt %d)",
                    call.method,
                    outcome.path,
                    outcome.cause,
                    attempt,
                )
                return outcome
            logger.info(
                "retrying %s %s after %s in %.2fs (attempt %d of %d)",
                call.method,
                outcome.path,
                outcome.cause,
                delay,
                attempt,
                policy.max_attempts,
            )
            await self._options.sleep(delay)

    async def _attempt(self, call: _Call, *, parse_json: bool) -> _Outcome:
        limiter = self._options.limiter
        request = self._client.build_request(
            call.method,
            call.url,
            params=call.params,
            json=call.json,
            content=call.content,
            headers={**self._headers, **call.headers} if call.headers else self._headers,
        )
        path = request.url.path
        await limiter.acquire(self._key)
        try:
            with provider_send():  # the `provider` part of Server-Timing
                response = await self._client.send(request)
        except httpx.UnsupportedProtocol:
            raise  # a wrong URL scheme is a bug, not weather
        except httpx.TransportError as exc:  # timeouts, refused/reset connections, cut bodies
            return _Outcome(Decision.RETRY, path, error=exc)
        decision = classify(response)
        retry_after = None
        if decision in RETRYABLE:
            retry_after = parse_retry_after(
                response.headers.get("Retry-After"), now=self._options.wall_clock()
            )
        if decision is Decision.RATE_LIMITED:
            await limiter.on_rate_limited(self._key, retry_after)
        elif decision is not Decision.RETRY:
            # Any non-429 answer was counted by the provider's limit: it feeds the measurement.
            await limiter.on_success(self._key)
        if decision is not Decision.SUCCESS or not parse_json:
            return _Outcome(decision, path, response=response, retry_after=retry_after)
        try:
            payload = (call.decode or json_body)(response)
        except ValueError:  # JSONDecodeError and UnicodeDecodeError: a truncated or garbled body
            return _Outcome(Decision.RETRY, path, response=response, invalid_body=True)
        return _Outcome(decision, path, response=response, payload=payload)

    def _settle(self, call: _Call, outcome: _Outcome) -> httpx.Response:
        response = outcome.response
        if response is None:
            raise self._transport_error(call, outcome)
        if outcome.invalid_body:
            raise ProviderResponseError(
                self._scrubbed(
                    f"Remote service answered {call.method} {outcome.path} "
                    f"with a body that is not valid JSON"
                ),
                remote_status=response.status_code,
                remote_body=self._remote_body(response),
            )
        if outcome.decision is Decision.SUCCESS:
            return response
        raise _ERRORS[outcome.decision](
            self._message(call, outcome.path, response),
            remote_status=response.status_code,
            remote_body=self._remote_body(response),
            retry_after=outcome.retry_after,
        )

    def _transport_error(self, call: _Call, outcome: _Outcome) -> ProviderUnavailableError:
        error = ProviderUnavailableError(
            self._scrubbed(
                f"Remote service could not be reached for {call.method} {outcome.path} "
                f"({outcome.cause})"
            )
        )
        error.__cause__ = outcome.error
        return error

    def _message(self, call: _Call, path: str, response: httpx.Response) -> str:
        described = None
        if self._describe is not None:
            try:
                described = self._describe(response)
            except Exception:  # a describe bug must not hide the provider's own error
                logger.debug("describe() failed for %s %s", call.method, path, exc_info=True)
        if not described:
            described = (
                f"Remote service answered HTTP {response.status_code} to {call.method} {path}"
            )
        return self._scrubbed(described)

    def _remote_body(self, response: httpx.Response) -> str:
        # Scrub before truncating, so a secret cut at the limit cannot leak half of itself.
        return self._scrubbed(response.text)[:REMOTE_BODY_LIMIT]

    def _scrubbed(self, text: str) -> str:
        for secret in self._scrub:
            text = text.replace(secret, REDACTED)
        return text
