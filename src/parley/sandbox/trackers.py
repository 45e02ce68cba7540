"""The tracker catalogue: each tracker, its keywords and lines that mention them.

A line marks its keyword with `[[…]]`; the transcript builder strips the brackets and
records the keyword's character offset as the tracker mention's `offset`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TRACKERS", "TrackerSpec", "tracker_by_key"]


@dataclass(frozen=True, slots=True)
class TrackerSpec:
    """One tracker: identity as Chorus shows it plus the lines that trigger it."""

    key: str
    id: str
    name: str
    type: str
    source: str
    weight: float
    rep_lines: tuple[str, ...]
    cust_lines: tuple[str, ...]


TRACKERS: tuple[TrackerSpec, ...] = (
    TrackerSpec(
        key="pricing",
        id="5f3a1c0e9b1d4a0012a1b001",
        name="Pricing",
        type="chorus",
        source="chorus",
        weight=0.8,
        rep_lines=(
            "For a team of {seats} the list [[price]] is {price} per seat per month.",
            "I can send a [[quote]] with annual billing, which usually saves {pct} percent.",
            "Our [[pricing]] is per seat, and admins and viewers are free.",
            "If you sign before the end of the quarter I can offer a {pct} percent [[discount]].",
        ),
        cust_lines=(
            "Can you walk me through the [[pricing]] for roughly {seats} seats?",
            "What would the [[price]] look like if we started with just one team?",
            "Is there any flexibility on the [[discount]] if we commit to two years?",
            "Honestly the [[budget]] for this year is already tight, so cost matters a lot.",
            "At {price} a seat the [[price]] is too expensive for the whole team.",
        ),
    ),
    TrackerSpec(
        key="competitors",
        id="5f3a1c0e9b1d4a0012a1b002",
        name="Competitors",
        type="chorus",
        source="chorus",
        weight=0.55,
        rep_lines=(
            "A lot of teams come to us from [[{competitor}]] because of the transcript quality.",
            "Compared with [[{competitor}]], we keep the raw recordings in your own storage.",
        ),
        cust_lines=(
            "We are also looking at [[{competitor}]], so I need to understand the difference.",
            "Our marketing team already pays for [[{competitor}]], to be honest.",
            "How do you compare to [[{competitor}]] on forecasting?",
        ),
    ),
    TrackerSpec(
        key="next_steps",
        id="5f3a1c0e9b1d4a0012a1b003",
        name="Next Steps",
        type="chorus",
        source="chorus",
        weight=0.9,
        rep_lines=(
            "As [[next steps]], I will send over the proposal and a security packet by {day}.",
            "Let's [[schedule a follow-up]] for {day} with your team to go deeper.",
            "I'll [[send you a recap]] of today with the links we discussed.",
            "Could we [[set up a call]] with {guest2} early next week?",
        ),
        cust_lines=(
            "Send me the [[next steps]] in writing and I will share them with {guest2}.",
            "Let's [[schedule a follow-up]] once I have talked to finance.",
        ),
    ),
    TrackerSpec(
        key="objections",
        id="5f3a1c0e9b1d4a0012a1b004",
        name="Objections",
        type="chorus",
        source="chorus",
        weight=0.5,
        rep_lines=(
            "I hear that [[concern]] a lot, so let me show you how other teams handled it.",
        ),
        cust_lines=(
            "My main [[concern]] is that the reps will not actually adopt another tool.",
            "[[I'm not sure]] we can justify the switch this quarter.",
            "It feels [[too expensive]] for what we would use in the first year.",
            "We are [[not ready]] to roll this out to every team yet.",
        ),
    ),
    TrackerSpec(
        key="bugs",
        id="5f3a1c0e9b1d4a0012a1b005",
        name="Bugs",
        type="custom",
        source="custom",
        weight=0.25,
        rep_lines=(
            "Thanks for flagging the [[bug]] with exports, engineering has a fix in review.",
            "That [[error]] on login was a known issue and it was patched last week.",
            "If the export still [[doesn't work]] after the update, I will get support on it.",
        ),
        cust_lines=(
            "During the trial we hit a [[bug]] where the dashboard would not load.",
            "Some calls show an [[error]] when we try to download the transcript.",
            "The sync [[crashed]] twice last week, which worried our admins.",
            "Half the time the calendar sync [[doesn\u2019t work]], so calls go missing.",
        ),
    ),
    TrackerSpec(
        key="integrations",
        id="5f3a1c0e9b1d4a0012a1b006",
        name="Integrations",
        type="custom",
        source="custom",
        weight=0.5,
        rep_lines=(
            "We have a native [[integration]] with {integration} that syncs every few minutes.",
            "The [[{integration} integration]] writes call notes straight to the opportunity.",
            "Everything is also available through our [[API]] if you want it in your warehouse.",
        ),
        cust_lines=(
            "Does it [[integrate]] with {integration}? That is a hard requirement for us.",
            "We would need the [[API]] to push the data into our warehouse.",
        ),
    ),
    TrackerSpec(
        key="security",
        id="5f3a1c0e9b1d4a0012a1b007",
        name="Security & Compliance",
        type="chorus",
        source="chorus",
        weight=0.3,
        rep_lines=(
            "We are [[SOC 2]] Type II certified and I can share the report under NDA.",
            "All recordings are encrypted and we are fully [[GDPR]] compliant.",
        ),
        cust_lines=(
            "Our security team will ask about [[SOC 2]] before anything else.",
            "Where is the data stored? We have strict [[GDPR]] requirements.",
        ),
    ),
    TrackerSpec(
        key="trial",
        id="5f3a1c0e9b1d4a0012a1b008",
        name="Trial / POC",
        type="chorus",
        source="chorus",
        weight=0.35,
        rep_lines=(
            "We could run a two week [[pilot]] with {seats} of your reps.",
            "A [[proof of concept]] with one team usually answers those questions quickly.",
        ),
        cust_lines=(
            "Could we do a [[trial]] first with a small group?",
            "If the [[pilot]] goes well I can take it to our CRO.",
        ),
    ),
)

_BY_KEY = {tracker.key: tracker for tracker in TRACKERS}


def tracker_by_key(key: str) -> TrackerSpec:
    """The tracker with this key."""
    return _BY_KEY[key]
