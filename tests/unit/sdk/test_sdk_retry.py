"""The retry decision (pure): which outcomes are retried, how long to wait, the budget."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.sdk.retry import RetryPolicy, plan, retry_after_seconds

NOW = datetime(2026, 12, 3, 10, 0, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_retries=3, max_wait=10.0, backoff=0.5, max_backoff=2.0)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 0 ", 0.0),
        ("Thu, 03 Dec 2026 10:00:07 GMT", 7.0),
        ("Thu, 03 Dec 2026 09:59:00 GMT", 0.0),  # in the past: go now
        ("soon", None),
        ("-1", None),
        (None, None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_statuses_are_retried_for_idempotent_calls(status: int) -> None:
    assert plan(POLICY, retries=0, waited=0, idempotent=True, status=status) == 0.5


@pytest.mark.parametrize(
    ("status", "wait"), [(429, 0.5), (502, None), (503, None), (504, None), (500, None)]
)
def test_a_post_is_retried_only_on_429(status: int, wait: float | None) -> None:
    assert plan(POLICY, retries=0, waited=0, idempotent=False, status=status) == wait


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 500])
def test_other_statuses_are_never_retried(status: int) -> None:
    assert plan(POLICY, retries=0, waited=0, idempotent=True, status=status) is None


def test_a_connection_failure_before_sending_is_retried_for_every_method() -> None:
    assert plan(POLICY, retries=0, waited=0, idempotent=False, sent=False) == 0.5
    assert plan(POLICY, retries=0, waited=0, idempotent=True, sent=True) == 0.5
    assert plan(POLICY, retries=0, waited=0, idempotent=False, sent=True) is None


def test_retry_after_wins_over_the_backoff() -> None:
    assert plan(POLICY, retries=2, waited=0, idempotent=True, status=429, retry_after=4.0) == 4.0


def test_backoff_doubles_up_to_its_cap() -> None:
    waits = [plan(POLICY, retries=n, waited=0, idempotent=True, status=503) for n in range(3)]
    assert waits == [0.5, 1.0, 2.0]


def test_the_budget_stops_after_max_retries_or_max_wait() -> None:
    assert plan(POLICY, retries=3, waited=0, idempotent=True, status=503) is None
    # 9 s waited, a 2 s Retry-After would pass the 10 s budget: stop now, do not wait.
    assert plan(POLICY, retries=1, waited=9.0, idempotent=True, status=429, retry_after=2) is None
    assert plan(POLICY, retries=1, waited=8.0, idempotent=True, status=429, retry_after=2) == 2
    assert plan(POLICY, retries=0, waited=0, idempotent=True, status=429, retry_after=60) is None


def test_no_retries_at_all() -> None:
    assert (
        plan(RetryPolicy(max_retries=0), retries=0, waited=0, idempotent=True, status=503) is None
    )


def test_a_negative_policy_is_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_wait=-1)
