"""TokenBucketLimiter on a fake clock: pacing, pauses, slow start, settling and recovery."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from parley.http.ratelimit import RateLimitState, TokenBucketLimiter
from parley.http.refusals import CLUSTER

KEY = "account-1"


def make_limiter(clock, rate: float = 10.0, **kwargs) -> TokenBucketLimiter:
    return TokenBucketLimiter(rate, clock=clock, sleep=clock.sleep, **kwargs)


async def saturate(limiter: TokenBucketLimiter, clock, seconds: float) -> None:
    """One caller that always wants the next token: acquire, succeed, repeat."""
    until = clock.now + seconds
    while clock.now < until:
        await limiter.acquire(KEY)
        await limiter.on_success(KEY)


async def refuse(
    limiter: TokenBucketLimiter, retry_after: float | None = None, *, key: str = KEY
) -> None:
    """A real limit: 429s clustering at the highest count the provider accepted."""
    for _ in range(CLUSTER):
        await limiter.on_rate_limited(key, retry_after)


async def succeed_evenly(limiter: TokenBucketLimiter, clock, count: int) -> None:
    """`count` successes spread over the last second, as if the provider accepted them."""
    for _ in range(count):
        clock.now += 1.0 / count
        await limiter.on_success(KEY)


async def test_first_acquire_does_not_wait(clock) -> None:
    await make_limiter(clock).acquire(KEY)

    assert clock.sleeps == []


async def test_sequential_acquires_are_spaced_one_token_apart(clock) -> None:
    limiter = make_limiter(clock, rate=10.0)
    times = []
    for _ in range(5):
        await limiter.acquire(KEY)
        times.append(clock.now)

    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps == pytest.approx([0.1] * 4)


async def test_idle_time_does_not_bank_a_burst(clock) -> None:
    limiter = make_limiter(clock, rate=10.0)
    await limiter.acquire(KEY)
    clock.now += 60.0
    await limiter.acquire(KEY)
    started = clock.now

    await limiter.acquire(KEY)

    assert clock.now - started == pytest.approx(0.1)


async def test_rate_doubles_per_second_while_demand_saturates_before_any_429(clock) -> None:
    limiter = make_limiter(clock, rate=10.0)
    await saturate(limiter, clock, seconds=1.0)
    before = limiter.rate(KEY)

    await saturate(limiter, clock, seconds=1.0)

    assert 1.7 < limiter.rate(KEY) / before < 2.3


async def test_rate_does_not_grow_when_demand_is_below_it(clock) -> None:
    limiter = make_limiter(clock, rate=10.0)
    for _ in range(10):
        await limiter.acquire(KEY)
        clock.now += 0.5
        await limiter.on_success(KEY)

    assert limiter.rate(KEY) == 10.0


async def test_rate_does_not_grow_on_short_bursts_of_demand(clock) -> None:
    limiter = make_limiter(clock, rate=10.0)
    for _ in range(5):
        for _ in range(3):
            await limiter.acquire(KEY)
            await limiter.on_success(KEY)
        clock.now += 2.0

    assert limiter.rate(KEY) == 10.0


async def test_rate_does_not_grow_when_a_busy_loop_wakes_callers_late(clock) -> None:
    async def late_sleep(seconds: float) -> None:
        await clock.sleep(seconds + 0.2)

    limiter = TokenBucketLimiter(10.0, clock=clock, sleep=late_sleep)

    await saturate(limiter, clock, seconds=2.0)

    assert limiter.rate(KEY) == 10.0


async def test_429_settles_just_under_the_successes_of_the_last_second(clock) -> None:
    limiter = make_limiter(clock, rate=30.0)
    await succeed_evenly(limiter, clock, 20)

    await refuse(limiter, 1.0)

    assert limiter.rate(KEY) == pytest.approx(20 * 0.95)


async def test_429_pauses_the_key_for_retry_after(clock) -> None:
    limiter = make_limiter(clock)
    await limiter.acquire(KEY)
    await refuse(limiter, 2.0)
    started = clock.now

    await limiter.acquire(KEY)

    assert clock.now - started == pytest.approx(2.0)


async def test_429_without_retry_after_pauses_for_the_default(clock) -> None:
    limiter = make_limiter(clock, default_pause=0.25)
    await limiter.acquire(KEY)
    await refuse(limiter, None)
    started = clock.now

    await limiter.acquire(KEY)

    assert clock.now - started == pytest.approx(0.25)


async def test_429_with_no_successes_to_measure_halves_the_rate(clock) -> None:
    limiter = make_limiter(clock, rate=10.0)
    await limiter.acquire(KEY)

    await refuse(limiter, 0.0)

    assert limiter.rate(KEY) == 5.0


async def test_late_429s_in_the_same_window_do_not_cut_again(clock) -> None:
    limiter = make_limiter(clock, rate=30.0)
    await succeed_evenly(limiter, clock, 20)
    await refuse(limiter, 1.0)
    clock.now += 0.05

    await refuse(limiter, 1.0)

    assert limiter.rate(KEY) == pytest.approx(20 * 0.95)


async def test_rate_never_drops_below_min_rate(clock) -> None:
    limiter = make_limiter(clock, rate=1.0, min_rate=0.8)
    await refuse(limiter, 0.0)

    assert limiter.rate(KEY) == 0.8


async def test_after_429_the_rate_recovers_two_percent_per_interval(clock) -> None:
    # Settle well under the ceiling so two steps fit below it.
    limiter = make_limiter(clock, rate=30.0, settle_factor=0.9)
    await succeed_evenly(limiter, clock, 20)
    await refuse(limiter, 0.0)
    settled = limiter.rate(KEY)

    await saturate(limiter, clock, seconds=4.5)

    assert limiter.rate(KEY) == pytest.approx(settled * 1.02)


async def test_recovery_stops_at_the_ceiling_under_the_refused_rate(clock) -> None:
    limiter = make_limiter(clock, rate=30.0)
    await succeed_evenly(limiter, clock, 20)
    await refuse(limiter, 0.0)

    await saturate(limiter, clock, seconds=25.0)

    assert limiter.rate(KEY) == pytest.approx(20 * 0.965)


async def test_a_long_quiet_stretch_lifts_the_ceiling_to_probe_again(clock) -> None:
    limiter = make_limiter(clock, rate=30.0, probe_interval=10.0)
    await succeed_evenly(limiter, clock, 20)
    await refuse(limiter, 0.0)

    await saturate(limiter, clock, seconds=35.0)

    assert limiter.rate(KEY) > 20 * 0.965


async def test_keys_are_limited_independently(clock) -> None:
    limiter = make_limiter(clock)
    await limiter.acquire("a")
    await refuse(limiter, key="a", retry_after=5.0)

    await limiter.acquire("b")

    assert clock.sleeps == []
    assert limiter.rate("b") == 10.0


def test_state_of_an_unseen_key_is_a_full_budget(clock) -> None:
    assert make_limiter(clock).state(KEY) == RateLimitState(limit=10, remaining=10, reset=0.0)


async def test_state_counts_requests_sent_in_the_current_window(clock) -> None:
    limiter = make_limiter(clock, rate=10.0)
    for _ in range(3):
        await limiter.acquire(KEY)

    state = limiter.state(KEY)

    assert (state.limit, state.remaining) == (10, 7)
    assert state.reset == pytest.approx(0.8)


async def test_state_during_a_pause_has_nothing_remaining(clock) -> None:
    limiter = make_limiter(clock)
    await limiter.acquire(KEY)
    await refuse(limiter, 3.0)

    state = limiter.state(KEY)

    assert state.remaining == 0
    assert state.reset == pytest.approx(3.0)


def test_limiter_survives_being_used_from_two_event_loops(clock) -> None:
    limiter = make_limiter(clock, rate=1000.0)

    asyncio.run(limiter.acquire(KEY))
    asyncio.run(limiter.acquire(KEY))

    assert limiter.state(KEY).remaining == 998


def test_concurrent_callers_are_served_evenly_spaced(run_virtual) -> None:
    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        limiter = TokenBucketLimiter(10.0, clock=loop.time)
        times: list[float] = []

        async def caller() -> None:
            await limiter.acquire(KEY)
            times.append(loop.time())

        await asyncio.gather(*(caller() for _ in range(8)))
        return times

    times = run_virtual(main)

    assert times == pytest.approx([i / 10 for i in range(8)])


def test_rejects_a_non_positive_rate() -> None:
    with pytest.raises(ValueError):
        TokenBucketLimiter(0.0)


async def test_answers_that_arrive_after_the_429_still_count_toward_the_measured_limit(
    clock,
) -> None:
    """A 429 is answered fast, before slower answers to requests sent just ahead of it."""
    limiter = make_limiter(clock, rate=20.0)
    answers: list[asyncio.Event] = []

    async def request(answered: asyncio.Event) -> None:
        await limiter.acquire(KEY)
        await answered.wait()
        await limiter.on_success(KEY)

    tasks = []
    for _ in range(20):  # 20 sends paced over one second, each in its own task
        answered = asyncio.Event()
        answers.append(answered)
        tasks.append(asyncio.create_task(request(answered)))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    for answered in answers[:16]:  # 16 answers are in when the 21st send is refused
        answered.set()
    await asyncio.sleep(0)
    await limiter.acquire(KEY)
    await refuse(limiter, 1.0)
    early = limiter.rate(KEY)
    for answered in answers[16:]:  # the other 4 accepted answers arrive during the pause
        answered.set()
    await asyncio.gather(*tasks)

    await limiter.acquire(KEY)  # the pause is over: the count is taken again

    assert early < 20 * 0.9
    assert limiter.rate(KEY) == pytest.approx(20 * 0.95)


async def test_a_429_below_a_count_the_provider_already_accepted_changes_nothing(clock) -> None:
    limiter = make_limiter(clock, rate=30.0)
    await succeed_evenly(limiter, clock, 20)  # the provider took 20 in one second
    clock.now += 0.5  # half of them left the window: a refusal now is not about the rate
    await limiter.acquire(KEY)
    started = clock.now

    await limiter.on_rate_limited(KEY, 1.0)
    await limiter.acquire(KEY)

    assert limiter.rate(KEY) == 30.0
    assert clock.now - started == pytest.approx(1 / 30)  # the key is not paused


async def test_one_429_at_the_highest_count_is_only_a_suspicion(clock) -> None:
    limiter = make_limiter(clock, rate=30.0)
    await succeed_evenly(limiter, clock, 20)

    for _ in range(CLUSTER - 1):
        await limiter.on_rate_limited(KEY, 1.0)

    assert limiter.rate(KEY) == 30.0
    await limiter.on_rate_limited(KEY, 1.0)  # the cluster: a limit
    assert limiter.rate(KEY) == pytest.approx(20 * 0.95)
