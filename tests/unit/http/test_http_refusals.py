"""What a 429 says about the rate: the pure classification the limiters act on."""

from __future__ import annotations

import pytest

from parley.http.refusals import (
    CLUSTER,
    Decayed,
    Refusal,
    RefusalFacts,
    classify_refusal,
    open_suspects,
    peak_per_window,
)


def facts(**changes: object) -> RefusalFacts:
    base: dict[str, object] = {
        "stale": False,
        "at_most": 18.0,
        "peak": 19.0,
        "recent_share": 0.06,
        "recent_sent": 40.0,
        "baseline": 0.06,
        "suspects": 0,
    }
    return RefusalFacts(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, Refusal.SPORADIC),  # the provider accepted more in a window before
        ({"stale": True}, Refusal.STALE),
        ({"at_most": 19.0}, Refusal.SUSPECT),  # at the highest count yet: one is no cluster
        ({"at_most": 20.0, "suspects": CLUSTER - 1}, Refusal.LIMIT),
        ({"at_most": 20.0, "suspects": CLUSTER - 2}, Refusal.SUSPECT),
        ({"at_most": 0.0, "peak": 0.0}, Refusal.SUSPECT),  # nothing known yet
        ({"recent_share": 0.3}, Refusal.LIMIT),  # frequent: well over the 6 % baseline
        ({"recent_share": 0.25}, Refusal.SPORADIC),  # not 0.2 over the baseline
        ({"recent_share": 0.3, "baseline": 0.15}, Refusal.SPORADIC),
        ({"recent_share": 0.5, "recent_sent": 5.0}, Refusal.SPORADIC),  # too few to tell
        ({"recent_share": 0.45, "baseline": 0.5}, Refusal.LIMIT),  # the baseline is capped
    ],
)
def test_classify_refusal(changes: dict[str, object], expected: Refusal) -> None:
    assert classify_refusal(facts(**changes)) is expected


def test_peak_per_window_counts_the_fullest_window() -> None:
    assert peak_per_window([], 1.0) == 0
    assert peak_per_window([0.0, 0.5, 0.9, 1.0, 1.2, 3.0], 1.0) == 4
    assert peak_per_window([0.0, 1.0, 2.0], 1.0) == 1


def test_decayed_share_forgets_old_refusals() -> None:
    shares = Decayed(tau=2.0)
    shares.add(0.0, sent=10.0, refused=5.0)
    shares.add(0.0, sent=10.0)

    assert shares.share(0.0) == pytest.approx(0.25)
    shares.add(10.0, sent=10.0)
    assert shares.share(10.0) < 0.01
    assert shares.sends(10.0) == pytest.approx(10.0, rel=0.02)


def test_a_suspicion_counts_until_it_closes_or_the_provider_accepts_clearly_more() -> None:
    assert open_suspects(2, True, level=10.0, peak=11.0) == 2  # within the jitter margin
    assert open_suspects(2, True, level=10.0, peak=13.0) == 0  # disproved: it took more
    assert open_suspects(2, False, level=10.0, peak=10.0) == 0  # closed
