"""Per-meeting facts, generated lazily from (seed, index) — cheap enough for list rows."""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from parley.sandbox.dialogue import ACTION_ITEMS, SUMMARY_TOPICS
from parley.sandbox.org import Company, Contact, Org, User
from parley.sandbox.people import COMPETITORS, INTEGRATIONS, SELLER_NAME
from parley.sandbox.trackers import TRACKERS

__all__ = ["Meeting", "MeetingPatch", "base_start_times", "generate_meeting", "meeting_id"]

_DAY = 86_400
_RECENT_S = 2 * _DAY
_DAYS_OF_WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_SUBJECTS_BY_STAGE = {
    "Discovery": ("Intro call", "Discovery call"),
    "Qualification": ("Discovery follow-up", "Qualification call"),
    "Demo": ("Product demo", "Technical deep dive"),
    "Proposal": ("Proposal review", "Pricing review"),
    "Negotiation": ("Security review", "Contract walkthrough"),
    "Closed Won": ("Onboarding kickoff", "Pilot check-in"),
}
_SOURCES = ("zoom", "zoom", "google_meet", "ms_teams")
_PRIVATE_SHARE = 0.04  # calls their owner marked private
_LATE_S = 30 * _DAY  # a `no_next_steps` deal has none in its last 30 days
# Per tracker key, the chance a meeting mentions it: (deal has the trait, deal does not).
_TRACKER_ODDS = {
    "competitors": ("competitive", 0.85, 0.12),
    "pricing": ("price_sensitive", 0.9, 0.45),
    "objections": ("price_sensitive", 0.7, 0.2),
}
# Per tracker key, the chance a mention is the guest's words: (trait, with it, without).
_GUEST_VOICED = {
    "competitors": ("competitive", 0.75, 0.4),
    "pricing": ("price_sensitive", 0.8, 0.15),
    "objections": ("price_sensitive", 0.95, 0.6),
}


class MeetingPatch(TypedDict, total=False):
    """Admin changes kept as an overlay on the generated facts."""

    status: str
    subject: str
    summary: str | None
    action_items: list[str] | None
    duration: float
    modified_at: int


@dataclass(frozen=True, slots=True)
class Meeting:
    """What one call is about; the transcript is built from these facts on demand."""

    index: int
    id: str
    start: int
    duration: float
    kind: str
    status: str
    owner: User
    reps: tuple[User, ...]
    guests: tuple[Contact, ...]
    company: Company
    stage: str
    subject: str
    language: str
    audio_only: bool
    source: str
    initiator: str
    compliance: str
    disposition: tuple[bool, bool, bool, bool] | None
    tracker_plan: tuple[tuple[str, int], ...]
    voicing: tuple[tuple[str, float], ...]
    reticent_guests: bool
    private: bool
    utterance_count: int
    unknown_speaker: bool
    num_cust_questions: int
    num_engaging_questions: int
    context: tuple[tuple[str, str], ...]
    summary: str | None
    action_items: tuple[str, ...] | None
    created_at: int
    modified_at: int

    @property
    def start_dt(self) -> datetime:
        """Start as an aware UTC datetime."""
        return datetime.fromtimestamp(self.start, UTC)

    @property
    def has_transcript(self) -> bool:
        """Only finished calls that were held have utterances."""
        return self.status == "done"

    @property
    def has_media(self) -> bool:
        """Media exists once the call was recorded."""
        return self.status in {"done", "processing"} and self.duration > 0

    @property
    def opportunity_id(self) -> str | None:
        """The CRM opportunity the call belongs to (None: a prospect without one)."""
        return self.company.opportunity_id

    def guest_voicing(self, key: str) -> float:
        """The chance that a mention of tracker `key` is spoken by a guest."""
        return dict(self.voicing).get(key, 0.5)

    def context_map(self) -> dict[str, str]:
        """Placeholders used to fill transcript lines."""
        return dict(self.context)


def meeting_id(seed: int, index: int) -> str:
    """The 32 upper-hex engagement id of meeting `index`."""
    return hashlib.sha256(f"{seed}:meeting:{index}".encode()).hexdigest()[:32].upper()


def base_start_times(seed: int, count: int, anchor: datetime, span_days: int) -> list[int]:
    """Start epochs of the seeded meetings, strictly decreasing (index 0 is the newest)."""
    rng = random.Random(f"{seed}:times")
    anchor_s = int(anchor.timestamp())
    times: list[int] = []
    for _ in range(count):
        while True:
            day = int(rng.random() ** 1.15 * span_days)
            midnight = anchor - timedelta(days=day + 1)
            if midnight.weekday() < 5 or rng.random() < 0.04:
                break
        minute = rng.choice((0, 0, 15, 30, 30, 45)) if rng.random() < 0.85 else rng.randrange(60)
        offset = rng.randrange(13, 23) * 3600 + minute * 60 + rng.randrange(0, 40)
        times.append(int(midnight.timestamp()) + offset)
    times.sort(reverse=True)
    if times:  # the newest call ended just before the anchor, whatever the weekday
        times[0] = max(times[0], anchor_s - rng.randrange(2 * 3600, 8 * 3600))
    previous = anchor_s
    for k, value in enumerate(times):
        value = min(value, previous - 1)
        times[k] = previous = value
    return times


def generate_meeting(
    seed: int,
    org: Org,
    index: int,
    start: int,
    anchor: int,
    patch: MeetingPatch | None = None,
) -> Meeting:
    """The facts of meeting `index` (deterministic for a seed), with an admin patch applied."""
    patch = patch or MeetingPatch()
    rng = random.Random(f"{seed}:meeting:{index}")
    when = datetime.fromtimestamp(start, UTC)
    kind = "dialer" if rng.random() < 0.15 else "meeting"
    company = _company(rng, org, index, kind, when)
    owner = _owner(rng, org, company, when)
    reps = [owner]
    if kind == "meeting" and rng.random() < 0.3:
        extra = [u for u in org.users if u.role != "admin" and u.active_at(when) and u != owner]
        if extra:
            reps.append(rng.choice(extra))
    if kind == "dialer":
        guests = [rng.choice(company.contacts)]
    else:
        guests = rng.sample(
            company.contacts, k=min(len(company.contacts), rng.choice((1, 1, 2, 3)))
        )

    absent = [c for c in company.contacts if c not in guests]
    # Facts that do not depend on the status come first, so an admin status change
    # leaves them as they were; status-dependent content uses its own stream.
    natural_status = _status(rng, start, anchor)
    planned = (
        rng.uniform(240, 900) if kind == "dialer" else max(600.0, min(rng.gauss(2100, 700), 4500.0))
    )
    waited = rng.uniform(300, 900)
    language = rng.choice(("es", "de")) if kind == "meeting" and rng.random() < 0.05 else "en"
    stage = company.stage_at(when)
    subject = (
        f"Call with {guests[0].name}"
        if kind == "dialer"
        else f"{company.name} <> {SELLER_NAME} | {rng.choice(_SUBJECTS_BY_STAGE[stage])}"
    )
    context = {
        "guest": guests[0].first_name,
        "guest2": absent[0].name if absent else "Jordan Reyes",
        "rep": owner.first_name,
        "account": company.name,
        "seller": SELLER_NAME,
        "team": rng.choice(("sales", "customer success", "account management")),
        "seats": str(rng.choice((15, 25, 40, 60, 120, 250))),
        "price": f"${rng.choice((49, 65, 79, 99))}",
        "pct": str(rng.choice((10, 12, 15, 20))),
        "competitor": company.rival or rng.choice(COMPETITORS),
        "integration": rng.choice(INTEGRATIONS),
        "day": rng.choice(_DAYS_OF_WEEK),
        "minutes": str(15 * math.ceil(planned / 900)),
    }
    disposition = None
    if kind == "dialer":
        voicemail = rng.random() < 0.2
        disposition = (not voicemail, rng.random() < 0.05, False, voicemail)
    audio_only = kind == "dialer" or rng.random() < 0.15
    source = "dialer" if kind == "dialer" else rng.choice(_SOURCES)
    initiator = rng.choice(("outbound", "outbound", "inbound")) if kind == "dialer" else "calendar"
    compliance = rng.choices(("compliant", "non-compliant", "unknown"), (85, 5, 10))[0]
    unknown_speaker = kind == "meeting" and rng.random() < 0.08
    processing_s = rng.randrange(60, 600)
    modified_s = rng.randrange(300, 2400)

    status = patch.get("status", natural_status)
    duration = {"done": planned, "processing": planned, "no show": waited}.get(status, 0.0)
    duration = round(patch.get("duration", duration), 2)
    content = random.Random(f"{seed}:meeting:{index}:content")
    utterances = (
        max(30, min(200, int(duration / content.uniform(9.0, 16.0)))) if status == "done" else 0
    )
    odds = _tracker_odds(company, start, anchor)
    plan = _tracker_plan(content, utterances, odds) if language == "en" else ()
    cust_q = content.randint(utterances // 14, utterances // 7) if utterances else 0
    engaging = content.randint(utterances // 8, utterances // 5) if utterances else 0
    summary, actions = _summary(status, plan, context, guests)
    if "summary" in patch:
        summary = patch["summary"]
    if "action_items" in patch:
        items = patch["action_items"]
        actions = None if items is None else tuple(items)
    created = start + int(duration) + processing_s
    return Meeting(
        index=index,
        id=meeting_id(seed, index),
        start=start,
        duration=duration,
        kind=kind,
        status=status,
        owner=owner,
        reps=tuple(reps),
        guests=tuple(guests),
        company=company,
        stage=stage,
        subject=patch.get("subject", subject),
        language=language,
        audio_only=audio_only,
        source=source,
        initiator=initiator,
        compliance=compliance,
        disposition=disposition,
        tracker_plan=plan,
        voicing=tuple(
            (key, with_it if trait in company.traits else without)
            for key, (trait, with_it, without) in _GUEST_VOICED.items()
        ),
        reticent_guests="low_talk" in company.traits,
        private=random.Random(f"{seed}:meeting:{index}:private").random() < _PRIVATE_SHARE,
        utterance_count=utterances,
        unknown_speaker=unknown_speaker,
        num_cust_questions=cust_q,
        num_engaging_questions=engaging,
        context=tuple(context.items()),
        summary=summary,
        action_items=actions,
        created_at=created,
        modified_at=patch.get("modified_at", created + modified_s),
    )


def _company(rng: random.Random, org: Org, index: int, kind: str, when: datetime) -> Company:
    active = org.companies_at(when) or list(org.companies)
    # Prospects without a deal get mostly cold calls; each deal its share of meetings.
    weights = [c.meeting_share if c.opportunity_id or kind != "dialer" else 2.0 for c in active]
    company = rng.choices(active, weights)[0]  # drawn always, so later draws stay put
    rotation = org.rotation
    if rotation and index < 2 * len(rotation) and rotation[index % len(rotation)].active_at(when):
        return rotation[index % len(rotation)]  # the newest meetings go round the open deals
    return company


def _owner(rng: random.Random, org: Org, company: Company, when: datetime) -> User:
    candidates = [u for u in org.reps if u.active_at(when)] or list(org.reps) or list(org.users)
    owners = [u for u in candidates if u.id in company.owner_ids]
    if owners and rng.random() < 0.8:
        return owners[0] if len(owners) == 1 or rng.random() < 0.75 else owners[1]
    return rng.choice(candidates)


def _status(rng: random.Random, start: int, anchor: int) -> str:
    roll = rng.random()
    if anchor - start < _RECENT_S:
        if roll < 0.3:
            return "processing"
        if roll < 0.45:
            return "scheduled"
    if roll > 0.96:
        return "no show"
    return "done"


def _tracker_odds(company: Company, start: int, anchor: int) -> dict[str, float]:
    """Per tracker key, the chance this meeting mentions it, given the deal's traits."""
    odds = {t.key: t.weight * 0.75 for t in TRACKERS}
    for key, (trait, with_it, without) in _TRACKER_ODDS.items():
        odds[key] = with_it if trait in company.traits else without
    if company.opportunity_id is not None:
        odds["next_steps"] = 0.92
    if "no_next_steps" in company.traits:
        last = anchor if company.quiet_since is None else int(company.quiet_since.timestamp())
        odds["next_steps"] = 0.0 if start >= last - _LATE_S else 0.5
    return odds


def _tracker_plan(
    rng: random.Random, utterances: int, odds: dict[str, float]
) -> tuple[tuple[str, int], ...]:
    if not utterances:
        return ()
    budget = utterances // 3
    plan: list[tuple[str, int]] = []
    for tracker in TRACKERS:
        if rng.random() < odds[tracker.key]:
            count = min(rng.choice((1, 1, 2, 2, 3, 4)), budget)
            if count > 0:
                plan.append((tracker.key, count))
                budget -= count
    return tuple(plan)


def _summary(
    status: str,
    plan: tuple[tuple[str, int], ...],
    context: dict[str, str],
    guests: list[Contact],
) -> tuple[str | None, tuple[str, ...] | None]:
    if status != "done":
        return None, None
    names = ", ".join(g.name for g in guests)
    opening = f"{context['rep']} met with {names} from {context['account']}."
    topics = [SUMMARY_TOPICS[key].format_map(context) for key, _ in plan]
    if not topics:
        topics = ["The conversation covered current coaching workflows and team goals."]
    actions = tuple(ACTION_ITEMS[key].format_map(context) for key, _ in plan[:4])
    if not actions:
        actions = (f"{context['rep']} to send a recap to {context['guest']}",)
    return " ".join([opening, *topics]), actions
