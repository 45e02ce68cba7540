"""Query parameters of the served operations: parsing, validation and filtering.

A bad value raises `ParamError`, which the routes turn into a 400 JSON:API error whose
`source.parameter` names the offending parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from parley.sandbox.meetings import Meeting
from parley.sandbox.org import Org

__all__ = [
    "EngagementQuery",
    "ParamError",
    "parse_bool",
    "parse_engagement_query",
    "parse_fields",
    "project",
]

ENGAGEMENT_TYPES = ("meeting", "dialer", "email", "content_viewed", "unrecorded_meeting")
CONTENT_TYPES = (
    "activity", "email_clicked", "email_opened", "email_unsubscribed", "email_failed", "form",
    "g2", "highspot", "loom", "seismic", "showpad", "hellolink_viewed", "technology_advice",
    "trustradius", "netline", "vidyard", "websights_visit", "zi_chat", "unrecorded_dialer_call",
    "missed_dialer_call", "navattic", "contract_sent", "contract_signed", "contract_viewed",
    "sourceforge",
)  # fmt: skip
COMPLIANCE = ("COMPLIANT", "NON-COMPLIANT", "UNKNOWN")
DISPOSITIONS = ("connected", "gatekeeper", "tree", "voicemail")

# The spec's allow-list for `fields`, plus the AI attributes real clients request too.
RECORDING_FIELDS = frozenset(
    (
        "account",
        "company_name",
        "_created_at",
        "_modified_at",
        "deal",
        "disposition",
        "language",
        "metrics",
        "meeting.id",
        "name",
        "owner",
        "owner.email",
        "participants",
        "private",
        "recording",
        "recording.audio_only",
        "recording.autojoin",
        "recording.autojoin_reason",
        "recording.clusters",
        "recording.duration",
        "recording.end_reason",
        "recording.recordable",
        "recording.schedule_end_time",
        "recording.schedule_start_time",
        "recording.start_time",
        "recording.thumbnails",
        "recording.trackers",
        "recording.utterances",
        "source",
        "status",
        "user_company_name",
    )
)
EXTRA_FIELDS = frozenset(
    (
        "summary",
        "action_items",
        "recap",
        "generated_subject",
        "custom_questions",
        "custom_summaries",
        "meta",
        "summary_error",
        "tracker_match",
        "meeting",
        "recording.has_meeting_summary",
        "recording.unrecorded_reason",
    )
)
_KEY = re.compile(r"^(\d+(?:\.\d+)?) ([0-9A-Fa-f]{32})$")


class ParamError(ValueError):
    """An invalid query parameter value."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(detail)
        self.parameter = parameter
        self.detail = detail


def parse_bool(name: str, value: str | None, default: bool = False) -> bool:
    """`true`/`false` (also 1/0); anything else is a ParamError."""
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in {"true", "1"}:
        return True
    if lowered in {"false", "0"}:
        return False
    raise ParamError(name, f"Invalid boolean value {value!r} for parameter {name}.")


def _parse_date(name: str, value: str) -> float:
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ParamError(name, f"Invalid date-time {value!r}: use ISO 8601.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _parse_float(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ParamError(name, f"Invalid number {value!r} for parameter {name}.") from None
    if number != number or number < 0:
        raise ParamError(name, f"Invalid number {value!r} for parameter {name}.")
    return number


def _parse_ints(name: str, value: str) -> frozenset[int]:
    try:
        return frozenset(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise ParamError(
            name, f"Invalid id list {value!r}: use comma-separated integers."
        ) from None


def _parse_enum(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ParamError(name, f"Invalid value {value!r}; expected one of: {', '.join(allowed)}.")
    return value


@dataclass(frozen=True, slots=True)
class EngagementQuery:
    """The filters and cursor of one `/v3/engagements` request."""

    after: tuple[float, str] | None = None
    min_date: float | None = None
    max_date: float | None = None
    engagement_type: str | None = None
    content_type: str | None = None
    engagement_ids: frozenset[str] | None = None
    user_ids: frozenset[int] | None = None
    team_ids: frozenset[int] | None = None
    participant_emails: frozenset[str] | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    compliance: str | None = None
    dispositions: tuple[tuple[int, bool], ...] = ()
    with_trackers: bool = False

    def matches(self, meeting: Meeting, org: Org) -> bool:
        """Whether a meeting passes every filter (the cursor is applied by the store)."""
        checks = (
            self.content_type is None,
            self.min_date is None or meeting.start >= self.min_date,
            self.max_date is None or meeting.start <= self.max_date,
            self.engagement_type is None or meeting.kind == self.engagement_type,
            self.engagement_ids is None or meeting.id in self.engagement_ids,
            self.user_ids is None or meeting.owner.id in self.user_ids,
            self.team_ids is None or bool(self.team_ids & set(meeting.owner.team_ids)),
            self.min_duration is None or meeting.duration >= self.min_duration,
            self.max_duration is None or meeting.duration <= self.max_duration,
            self.compliance is None or meeting.compliance.upper() == self.compliance,
        )
        if not all(checks):
            return False
        if self.participant_emails is not None:
            emails = {u.email.lower() for u in meeting.reps}
            emails.update(g.email.lower() for g in meeting.guests)
            if not emails & self.participant_emails:
                return False
        flags = meeting.disposition or (False, False, False, False)
        return all(flags[k] == wanted for k, wanted in self.dispositions)


def parse_engagement_query(query: Mapping[str, str]) -> EngagementQuery:
    """Validate `/v3/engagements` parameters; unknown ones are ignored like extra params."""
    after = None
    if key := query.get("continuation_key"):
        match = _KEY.match(key.strip())
        if match is None:
            raise ParamError("continuation_key", f"Invalid continuation key {key!r}.")
        after = (float(match[1]), match[2].upper())
    values: dict[str, object] = {"after": after}
    for name in ("min_date", "max_date"):
        if raw := query.get(name):
            values[name] = _parse_date(name, raw)
    for name in ("min_duration", "max_duration"):
        if raw := query.get(name):
            values[name] = _parse_float(name, raw)
    if raw := query.get("engagement_type"):
        values["engagement_type"] = _parse_enum("engagement_type", raw, ENGAGEMENT_TYPES)
    if raw := query.get("content_type"):
        values["content_type"] = _parse_enum("content_type", raw, CONTENT_TYPES)
    if raw := query.get("compliance"):
        values["compliance"] = _parse_enum("compliance", raw.upper(), COMPLIANCE)
    if raw := query.get("engagement_id"):
        values["engagement_ids"] = frozenset(p.strip().upper() for p in raw.split(",") if p.strip())
    if raw := query.get("user_id"):
        values["user_ids"] = _parse_ints("user_id", raw)
    if raw := query.get("team_id"):
        values["team_ids"] = _parse_ints("team_id", raw)
    if raw := query.get("participants_email"):
        values["participant_emails"] = frozenset(
            p.strip().lower() for p in raw.split(",") if p.strip()
        )
    values["dispositions"] = tuple(
        (k, parse_bool(f"disposition_{name}", query[f"disposition_{name}"]))
        for k, name in enumerate(DISPOSITIONS)
        if f"disposition_{name}" in query
    )
    values["with_trackers"] = parse_bool("with_trackers", query.get("with_trackers"))
    return EngagementQuery(**values)  # type: ignore[arg-type]


def parse_fields(query: Mapping[str, str]) -> frozenset[str] | None:
    """The sparse fieldset requested through `fields` (or the deprecated variants)."""
    requested: set[str] = set()
    given = False
    for name, prefix in (
        ("fields", ""),
        ("fields[conversations]", ""),
        ("fields[recordings]", "recording."),
    ):
        raw = query.get(name)
        if raw is None:
            continue
        given = True
        for part in raw.split(","):
            item = part.strip()
            if not item:
                continue
            if prefix and not item.startswith(prefix) and item != "recording":
                item = prefix + item
            if item not in RECORDING_FIELDS and item not in EXTRA_FIELDS:
                raise ParamError(name, f"Unknown field {part.strip()!r}.")
            requested.add(item)
    return frozenset(requested) if given else None


def project(attributes: dict[str, object], fields: frozenset[str] | None) -> dict[str, object]:
    """Keep only the requested attributes; `a.b` keeps sub-attribute b of a."""
    if fields is None:
        return attributes
    out: dict[str, object] = {}
    for item in sorted(fields):
        head, _, tail = item.partition(".")
        if head not in attributes:
            continue
        value = attributes[head]
        if not tail:
            out[head] = value
        elif isinstance(value, dict):
            if head in fields:  # the whole object was requested as well
                out[head] = value
                continue
            existing = out.setdefault(head, {})
            if isinstance(existing, dict) and tail in value:
                existing[tail] = value[tail]
        elif value is None and head not in out:
            out[head] = None
    return out
