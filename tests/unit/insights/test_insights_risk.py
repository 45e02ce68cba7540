"""Deal-risk signals, computed from unified meetings: each rule's edges, the score and level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from parley.insights.risk import Assessment, RiskRules, assess
from parley.insights.risk_settings import RiskSettings
from parley.unified import Meeting

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def _entry(index: int, kind: str, text: str = "Fine.") -> dict[str, Any]:
    return {
        "index": index,
        "speaker_id": kind,
        "speaker_type": kind,
        "text": text,
        "start_time": index * 10.0,
        "end_time": index * 10.0 + 8,
    }


def meeting(
    mid: str,
    days_ago: float,
    *,
    status: str = "completed",
    trackers: list[dict[str, Any]] | None = None,
    lines: list[tuple[str, str]] | None = None,
    guests: tuple[str, ...] = ("ann@globex.example", "bob@globex.example"),
    talk: tuple[float, float] = (600.0, 400.0),
    next_steps: bool = True,
) -> Meeting:
    """A meeting `days_ago` days before NOW; `lines` are (speaker type, text) entries."""
    spoken = [("user", "Hello."), ("guest", "Hi."), *(lines or [])]
    tracked = list(trackers or [])
    if next_steps:
        tracked.append({"name": "Next Steps", "count": 1, "mentions": [{"segment_index": 0}]})
    return Meeting.model_validate(
        {
            "id": mid,
            "status": status,
            "start_time": (NOW - timedelta(days=days_ago)).isoformat(),
            "video_recording_url": "https://media.example/v.mp4",
            "attendees": [
                {"id": "rep", "type": "user", "email": "rep@seller.example"},
                *({"id": g, "type": "guest", "email": g} for g in guests),
            ],
            "trackers": tracked,
            "transcript": [_entry(i, kind, text) for i, (kind, text) in enumerate(spoken)],
            "speakers": [
                {"speaker_id": "user", "type": "user", "talk_time": talk[0]},
                {"speaker_id": "guest", "type": "guest", "talk_time": talk[1]},
            ],
            "crm": {"opportunity_id": "opp-1"},
        }
    )


def competitor(index: int = 2) -> dict[str, Any]:
    return {"name": "Competitors", "count": 1, "mentions": [{"segment_index": index}]}


def pricing(index: int = 2) -> dict[str, Any]:
    return {"name": "Pricing", "count": 1, "mentions": [{"segment_index": index}]}


def _play(m: Meeting, second: float | None) -> str:
    return f"play/{m.id}" + ("" if second is None else f"?t={second:g}")


def assessed(meetings: list[Meeting], settings: RiskSettings | None = None) -> Assessment:
    return assess(meetings, RiskRules.compile(settings or RiskSettings()), _play)


def types(meetings: list[Meeting], settings: RiskSettings | None = None) -> list[str]:
    return [s.type for s in assessed(meetings, settings).risk(NOW).signals]


def signal(meetings: list[Meeting], kind: str) -> Any:
    found = [s for s in assessed(meetings).risk(NOW).signals if s.type == kind]
    return found[0] if found else None


def test_a_healthy_deal_has_no_signal_and_a_low_level() -> None:
    risk = assessed([meeting("a", 1), meeting("b", 8), meeting("c", 15)]).risk(NOW)

    assert (risk.score, risk.level, risk.signals) == (0, "low", [])


def test_competitor_in_exactly_two_of_the_last_three_meetings_is_a_signal() -> None:
    lines = [("user", "We compare well with Gong.")]
    deal = [
        meeting("a", 1, trackers=[competitor()], lines=lines),
        meeting("b", 8),
        meeting("c", 15, trackers=[competitor()], lines=lines),
        meeting("d", 22, trackers=[competitor()], lines=lines),
    ]

    found = signal(deal, "competitor_mentioned")

    assert found.weight == 30
    assert found.summary == "A competitor came up in 2 of the last 3 meetings"
    assert {e.meeting_id for e in found.evidence} == {"a", "c"}
    first = found.evidence[0]
    assert (first.tracker, first.text, first.start_time) == (
        "Competitors",
        "We compare well with Gong.",
        20.0,
    )
    assert first.playback_url == "play/a?t=20"


def test_competitor_in_one_recent_meeting_only_is_no_signal() -> None:
    deal = [
        meeting("a", 1, trackers=[competitor()], lines=[("guest", "Gong?")]),
        meeting("b", 8),
        meeting("c", 15),
        meeting("d", 22, trackers=[competitor()], lines=[("guest", "Gong?")]),
    ]

    assert signal(deal, "competitor_mentioned") is None


def test_a_listed_competitor_name_said_counts_without_a_tracker() -> None:
    settings = RiskSettings(competitor_names=["Gong"])
    deal = [
        meeting("a", 1, lines=[("user", "Teams leave gong for us.")]),
        meeting("b", 8, lines=[("guest", "We use Gong today.")]),
        meeting("c", 15),
    ]

    assert "competitor_mentioned" in types(deal, settings)
    assert "competitor_mentioned" not in types(deal)


def test_pricing_counts_only_a_guests_words() -> None:
    rep_said = [("user", "Our pricing is per seat.")]
    guest_said = [("guest", "What about pricing for us?")]
    by_reps = [meeting(m, d, trackers=[pricing()], lines=rep_said) for m, d in (("a", 1), ("b", 8))]
    by_guests = [
        meeting(m, d, trackers=[pricing()], lines=guest_said) for m, d in (("a", 1), ("b", 8))
    ]

    assert signal(by_reps, "pricing_objection") is None
    found = signal(by_guests, "pricing_objection")
    assert found.summary == "A guest pushed back on price in 2 of the last 2 meetings"
    assert [e.text for e in found.evidence] == ["What about pricing for us?"] * 2


def test_a_pricing_phrase_said_by_a_guest_counts_and_by_a_rep_does_not() -> None:
    guest = [
        meeting(m, d, lines=[("guest", "It is too expensive.")]) for m, d in (("a", 1), ("b", 2))
    ]
    rep = [meeting(m, d, lines=[("user", "It is too expensive.")]) for m, d in (("a", 1), ("b", 2))]

    assert "pricing_objection" in types(guest)
    assert "pricing_objection" not in types(rep)


def test_only_completed_meetings_count() -> None:
    deal = [
        meeting("s", -3, status="scheduled", next_steps=False, guests=()),
        meeting("a", 1, trackers=[competitor()], lines=[("guest", "Gong")]),
        meeting("x", 2, status="no_show", next_steps=False, trackers=[competitor()]),
        meeting("b", 8, trackers=[competitor()], lines=[("guest", "Gong")]),
    ]

    found = signal(deal, "competitor_mentioned")

    assert found.summary == "A competitor came up in 2 of the last 2 meetings"
    assert types(deal) == ["competitor_mentioned"]


def test_no_next_steps_reads_the_latest_completed_meeting_only() -> None:
    assert "no_next_steps" in types([meeting("a", 1, next_steps=False), meeting("b", 8)])
    assert "no_next_steps" not in types([meeting("a", 1), meeting("b", 8, next_steps=False)])
    found = signal([meeting("a", 1, next_steps=False)], "no_next_steps")
    assert [e.meeting_id for e in found.evidence] == ["a"]


def test_stalled_is_judged_at_the_time_of_the_read() -> None:
    last = assessed([meeting("a", 20)])

    assert [s.type for s in last.risk(NOW).signals] == []
    later = last.risk(NOW + timedelta(days=2))
    assert [s.type for s in later.signals] == ["stalled"]
    assert (
        later.signals[0].summary == "No meeting in the last 21 days (the last one was 22 days ago)"
    )
    assert last.stall_at == NOW - timedelta(days=20) + timedelta(days=21)


def test_single_threaded_is_at_most_one_customer_email_in_the_recent_meetings() -> None:
    one = [meeting(m, d, guests=(" Ann@Globex.example",)) for m, d in (("a", 1), ("b", 8))]
    one.append(meeting("c", 9, guests=("ann@globex.example",)))
    one.append(meeting("d", 30, guests=("zed@globex.example",)))  # not recent
    two = [
        meeting("a", 1, guests=("ann@globex.example",)),
        meeting("b", 8, guests=("bob@x.example",)),
    ]

    found = signal(one, "single_threaded")
    assert found.summary == "Only one customer contact across the last 3 meetings"
    assert signal(two, "single_threaded") is None


def test_low_customer_talk_pools_the_recent_meetings() -> None:
    # 100 + 300 of 400 + 600 + 300 + 500: guests 400 / 1600 = 25 %, not under it.
    even = [meeting("a", 1, talk=(300, 100)), meeting("b", 8, talk=(300, 300))]
    even.append(meeting("c", 9, talk=(600, 0)))
    quiet = [meeting("a", 1, talk=(300, 99)), meeting("b", 8, talk=(300, 300))]
    quiet.append(meeting("c", 9, talk=(600, 0)))

    assert signal(even, "low_customer_talk") is None
    found = signal(quiet, "low_customer_talk")
    assert found.summary == "Guests spoke 25% of the time across the last 3 meetings"
    assert len(found.evidence) == 3


def test_the_score_is_capped_at_100_and_levels_follow_the_thresholds() -> None:
    worst = [
        meeting(
            m,
            d,
            trackers=[competitor(), pricing()],
            lines=[("guest", "Gong pricing")],
            guests=("ann@globex.example",),
            talk=(900, 10),
            next_steps=False,
        )
        for m, d in (("a", 30), ("b", 31), ("c", 32))
    ]

    risk = assessed(worst).risk(NOW)

    assert sum(s.weight for s in risk.signals) == 125
    assert (risk.score, risk.level) == (100, "high")
    assert len(risk.signals) == 6


@pytest.mark.parametrize(
    ("weight", "level"), [(24, "low"), (25, "medium"), (49, "medium"), (50, "high")]
)
def test_levels_at_the_threshold_edges(weight: int, level: str) -> None:
    settings = RiskSettings.model_validate({"weights": {"no_next_steps": weight}})

    risk = assessed([meeting("a", 1, next_steps=False)], settings).risk(NOW)

    assert (risk.score, risk.level) == (weight, level)


def test_a_zero_weight_turns_a_signal_off() -> None:
    settings = RiskSettings.model_validate({"weights": {"no_next_steps": 0}})

    assert types([meeting("a", 1, next_steps=False)], settings) == []


def test_a_deal_without_completed_meetings_has_no_signal() -> None:
    deal = [meeting("s", -2, status="scheduled", next_steps=False, guests=())]

    assessment = assessed(deal)

    assert assessment.risk(NOW + timedelta(days=90)).signals == []
    assert assessment.stall_at is None


def test_an_assessment_reads_back_from_its_document() -> None:
    deal = [meeting("a", 1, next_steps=False), meeting("b", 8)]
    first = assessed(deal)

    again = Assessment.stored(first.document(), RiskSettings())

    assert again.risk(NOW + timedelta(days=30)) == first.risk(NOW + timedelta(days=30))


@pytest.mark.parametrize(
    "document",
    [
        {"weights": {"stalled": 101}},
        {"levels": {"high": 20, "medium": 30}},
        {"stalled_days": 0},
        {"pricing_objection_phrases": ["a*b"]},
        {"tracker_names": {"pricing": [" "]}},
        {"min_recent_mentions": 4},
        {"surprise": 1},
    ],
)
def test_bad_settings_are_refused(document: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RiskSettings.model_validate(document)
