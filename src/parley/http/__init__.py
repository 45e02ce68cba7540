"""Outbound resilience: classify, retry with backoff, adaptive per-account rate limiting.

Knows no provider and no database. The contract connectors code against is in
`contract.md` beside this file:

    retry.py       Decision, classify(response), parse_retry_after(value), RetryPolicy
    ratelimit.py   RateLimitState, RateLimiter (protocol), TokenBucketLimiter
    client.py      HttpOptions, ConnectionPool, ResilientClient (request, request_json,
                   send_raw), json_body
    pagination.py  ContinuationKeyPaginator, dedupe
"""

from parley.http.client import ConnectionPool, HttpOptions, ResilientClient, json_body
from parley.http.pagination import ContinuationKeyPaginator, dedupe
from parley.http.ratelimit import RateLimiter, RateLimitState, TokenBucketLimiter
from parley.http.retry import Decision, RetryPolicy, classify, parse_retry_after

__all__ = [
    "ConnectionPool",
    "ContinuationKeyPaginator",
    "Decision",
    "HttpOptions",
    "RateLimitState",
    "RateLimiter",
    "ResilientClient",
    "RetryPolicy",
    "TokenBucketLimiter",
    "classify",
    "dedupe",
    "json_body",
    "parse_retry_after",
]
