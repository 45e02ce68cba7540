"""Deal-risk settings: weights, level thresholds, concept name lists and phrases (pure: no I/O).

One tenant-wide document (`GET|PUT /insights/risk-settings`). A PUT replaces it whole:
fields left out take their defaults. Every list is validated (phrases as keyword rules
validate theirs), so a bad value is a 400 naming the field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from parley.insights.keywords import MAX_PHRASE_LENGTH, MAX_PHRASES, compile_phrase

__all__ = [
    "DEFAULT_WEIGHTS",
    "LEVELS",
    "SIGNAL_TYPES",
    "ConceptNames",
    "Level",
    "LevelThresholds",
    "RiskSettings",
    "SignalWeights",
    "level_rank",
]

#: Every signal, in the order a deal lists them.
SIGNAL_TYPES = (
    "competitor_mentioned",
    "pricing_objection",
    "no_next_steps",
    "stalled",
    "single_threaded",
    "low_customer_talk",
)
DEFAULT_WEIGHTS = {
    "competitor_mentioned": 30,
    "pricing_objection": 25,
    "no_next_steps": 20,
    "stalled": 25,
    "single_threaded": 15,
    "low_customer_talk": 10,
}
Level = Literal["low", "medium", "high"]
LEVELS: tuple[Level, ...] = ("low", "medium", "high")
_MAX_NAMES = 100


def level_rank(level: str | None) -> int:
    """0 for low (and none yet), 1 medium, 2 high: a rise is a greater rank."""
    return LEVELS.index(level) if level in LEVELS else 0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignalWeights(_Strict):
    """Points each active signal adds to the score (0 turns the signal off)."""

    competitor_mentioned: int = Field(30, ge=0, le=100)
    pricing_objection: int = Field(25, ge=0, le=100)
    no_next_steps: int = Field(20, ge=0, le=100)
    stalled: int = Field(25, ge=0, le=100)
    single_threaded: int = Field(15, ge=0, le=100)
    low_customer_talk: int = Field(10, ge=0, le=100)

    def of(self, signal_type: str) -> int:
        """The weight of one signal type."""
        weight: int = getattr(self, signal_type)
        return weight


class LevelThresholds(_Strict):
    """The score from which a deal is `high` or `medium` risk (else `low`)."""

    high: int = Field(50, ge=1, le=100)
    medium: int = Field(25, ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> LevelThresholds:
        if self.medium > self.high:
            raise ValueError("medium must not be above high")
        return self

    def level(self, score: int) -> Level:
        """The level of a score."""
        if score >= self.high:
            return "high"
        return "medium" if score >= self.medium else "low"


def _names(value: list[str]) -> list[str]:
    if len(value) > _MAX_NAMES:
        raise ValueError(f"at most {_MAX_NAMES} names")
    names = [name.strip() for name in value]
    if any(not name or len(name) > MAX_PHRASE_LENGTH for name in names):
        raise ValueError(f"names must be 1 to {MAX_PHRASE_LENGTH} characters")
    return names


class ConceptNames(_Strict):
    """Tracker names (case-insensitive) that stand for each concept."""

    competitor: list[str] = Field(
        default_factory=lambda: ["competitor", "competitors", "competition"]
    )
    pricing: list[str] = Field(
        default_factory=lambda: [
            "pricing",
            "price",
            "budget",
            "objection",
            "objections",
            "discount",
        ]
    )
    next_steps: list[str] = Field(default_factory=lambda: ["next steps", "next step"])

    @field_validator("competitor", "pricing", "next_steps")
    @classmethod
    def _checked(cls, value: list[str]) -> list[str]:
        return _names(value)


def _phrases(value: list[str]) -> list[str]:
    if len(value) > MAX_PHRASES:
        raise ValueError(f"at most {MAX_PHRASES} phrases")
    for number, phrase in enumerate(value):
        try:
            compile_phrase(phrase)
        except ValueError as error:
            raise ValueError(f"[{number}]: {error}") from None
    return [phrase.strip() for phrase in value]


class RiskSettings(_Strict):
    """A tenant's deal-risk settings."""

    weights: SignalWeights = Field(default_factory=SignalWeights)
    levels: LevelThresholds = Field(default_factory=LevelThresholds)
    #: A deal is stalled after this many days without a completed meeting.
    stalled_days: int = Field(21, ge=1, le=365)
    #: How many of the latest completed meetings are "recent".
    recent_meetings: int = Field(3, ge=1, le=20)
    #: In how many recent meetings a competitor or a pricing objection must come up.
    min_recent_mentions: int = Field(2, ge=1, le=20)
    #: Guests speaking under this share of the recent talk time is `low_customer_talk`.
    low_customer_talk_ratio: float = Field(0.25, ge=0.0, le=1.0)
    tracker_names: ConceptNames = Field(default_factory=ConceptNames)
    #: Said by anyone, these count as a competitor mention (keyword-rule phrase syntax).
    competitor_names: list[str] = Field(default_factory=list)
    #: Said by a guest, these count as a pricing objection.
    pricing_objection_phrases: list[str] = Field(
        default_factory=lambda: [
            "too expensive",
            "too pricey",
            "out of our budget",
            "over our budget",
            "can't afford",
            "cannot afford",
        ]
    )

    @field_validator("competitor_names", "pricing_objection_phrases")
    @classmethod
    def _checked(cls, value: list[str]) -> list[str]:
        return _phrases(value)

    @model_validator(mode="after")
    def _mentions_fit(self) -> RiskSettings:
        if self.min_recent_mentions > self.recent_meetings:
            raise ValueError("min_recent_mentions must not exceed recent_meetings")
        return self

    def document(self) -> dict[str, Any]:
        """The JSON document stored and answered."""
        return self.model_dump(mode="json")
