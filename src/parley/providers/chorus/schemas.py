"""Chorus payload models (lenient mirrors of the OpenAPI schemas) and shape helpers; private."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from parley.errors import ProviderResponseError
from parley.providers.chorus.coercion import (
    Flag,
    Integer,
    Number,
    Text,
    Texts,
    Timestamp,
    as_object,
    as_objects,
)

__all__ = [
    "ChorusAccount",
    "ChorusCluster",
    "ChorusClusterRange",
    "ChorusConversation",
    "ChorusConversationAttributes",
    "ChorusDeal",
    "ChorusEngagement",
    "ChorusEngagementPage",
    "ChorusMeetingInfo",
    "ChorusMention",
    "ChorusOwner",
    "ChorusParticipant",
    "ChorusRecording",
    "ChorusTeam",
    "ChorusTeamAttributes",
    "ChorusTracker",
    "ChorusTrackerMatch",
    "ChorusUser",
    "ChorusUtterance",
    "flatten_resource",
    "parse",
    "resource_of",
    "user_rows",
]

M = TypeVar("M", bound=BaseModel)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ChorusTrackerMatch(_Lenient):
    """`/v3/engagements` `tracker_matches[]` (only with `with_trackers=true`)."""

    name: Text = None
    num_matches: Integer = None
    type: Text = None


class ChorusParticipant(_Lenient):
    """A participant of an engagement or a conversation."""

    person_id: Text = None
    user_id: Text = None
    name: Text = None
    email: Text = None
    title: Text = None
    company_name: Text = None
    type: Text = None
    is_my_team: Flag = None


class ChorusEngagement(_Lenient):
    """One `/v3/engagements` row (the spec gives only an example: every field optional)."""

    engagement_id: Text = None
    subject: Text = None
    engagement_type: Text = None
    processing_state: Text = None
    date_time: Timestamp = None
    duration: Number = None
    language: Text = None
    url: Text = None
    user_id: Text = None
    user_name: Text = None
    user_email: Text = None
    account_id: Text = None
    account_name: Text = None
    opportunity_id: Text = None
    opportunity_name: Text = None
    no_show: Flag = None
    participants: Annotated[list[ChorusParticipant] | None, BeforeValidator(as_objects)] = None
    tracker_matches: Annotated[list[ChorusTrackerMatch] | None, BeforeValidator(as_objects)] = None


class ChorusEngagementPage(_Lenient):
    """The `/v3/engagements` body: one page and the key of the next."""

    continuation_key: Text = None
    # The decoded rows as they are (`as_objects` keeps only objects): validating them as
    # dicts would copy each one, and the list path reads them once anyway.
    engagements: Annotated[list[Any] | None, BeforeValidator(as_objects)] = None


class ChorusClusterRange(_Lenient):
    """One stretch of talk inside a speaker cluster."""

    start: Number = None
    length: Number = None
    talk_time: Number = None


class ChorusCluster(_Lenient):
    """A speaker cluster of a recording (one per detected voice)."""

    id: Text = None
    participant: Text = None
    speaker_name: Text = None
    display_name: Text = None
    type: Text = None
    user_id: Text = None
    ranges: Annotated[list[ChorusClusterRange] | None, BeforeValidator(as_objects)] = None


class ChorusUtterance(_Lenient):
    """One transcript line."""

    id: Text = None
    index: Integer = None
    participant: Text = None
    snippet: Text = None
    snippet_time: Number = None
    snippet_length: Number = None
    speaker_id: Text = None
    speaker_name: Text = None
    speaker_type: Text = None


class ChorusMention(_Lenient):
    """Where a tracker matched: an utterance index and an offset."""

    utterance: Integer = None
    offset: Number = None


class ChorusTracker(_Lenient):
    """A tracker of a recording with its mentions."""

    id: Text = None
    name: Text = None
    type: Text = None
    source: Text = None
    count: Integer = None
    mentions: Annotated[list[ChorusMention] | None, BeforeValidator(as_objects)] = None


class ChorusRecording(_Lenient):
    """`attributes.recording` of a conversation."""

    audio_only: Flag = None
    recordable: Flag = None
    unrecorded_reason: Text = None
    start_time: Timestamp = None
    duration: Number = None
    clusters: Annotated[list[ChorusCluster] | None, BeforeValidator(as_objects)] = None
    utterances: Annotated[list[ChorusUtterance] | None, BeforeValidator(as_objects)] = None
    trackers: Annotated[list[ChorusTracker] | None, BeforeValidator(as_objects)] = None


class ChorusOwner(_Lenient):
    """The owner of a conversation."""

    user_id: Text = None
    person_id: Text = None
    name: Text = None
    email: Text = None


class ChorusAccount(_Lenient):
    """The CRM account of a conversation."""

    id: Text = None
    name: Text = None


class ChorusDeal(_Lenient):
    """The CRM deal of a conversation."""

    id: Text = None
    name: Text = None
    current_stage: Text = None


class ChorusMeetingInfo(_Lenient):
    """Calendar metadata (`include_meeting_metadata=true`)."""

    id: Text = None
    calendar_id: Text = None
    ical_uid: Text = None
    meeting_url: Text = None


class ChorusConversationAttributes(_Lenient):
    """`data.attributes` of a `RecordingDoc`."""

    created_at: Timestamp = Field(default=None, alias="_created_at")
    modified_at: Timestamp = Field(default=None, alias="_modified_at")
    name: Text = None
    generated_subject: Text = None
    status: Text = None
    language: Text = None
    summary: Text = None
    action_items: Texts = None
    private: Flag = None
    owner: Annotated[ChorusOwner | None, BeforeValidator(as_object)] = None
    participants: Annotated[list[ChorusParticipant] | None, BeforeValidator(as_objects)] = None
    recording: Annotated[ChorusRecording | None, BeforeValidator(as_object)] = None
    meeting: Annotated[ChorusMeetingInfo | None, BeforeValidator(as_object)] = None
    account: Annotated[ChorusAccount | None, BeforeValidator(as_object)] = None
    deal: Annotated[ChorusDeal | None, BeforeValidator(as_object)] = None


class ChorusConversation(_Lenient):
    """A JSON:API `recording` resource (`data` of `GET /api/v1/conversations/{id}`)."""

    id: Text = None
    type: Text = None
    attributes: Annotated[ChorusConversationAttributes | None, BeforeValidator(as_object)] = None


class ChorusUser(_Lenient):
    """A user row, flattened (`/v3/users` row or JSON:API `attributes` plus `id`)."""

    id: Text = None
    user_id: Text = None
    name: Text = None
    first_name: Text = None
    last_name: Text = None
    email: Text = None
    role: Text = None
    type: Text = None
    title: Text = None
    team_ids: Texts = None
    manager_id: Text = None
    invalidated: Flag = None
    license_type: Text = None
    created_on: Timestamp = None


class ChorusTeamAttributes(_Lenient):
    """`attributes` of a JSON:API `team`."""

    name: Text = None
    description: Text = None
    users: Texts = None
    manager: Text = None
    parent_team: Text = None


class ChorusTeam(_Lenient):
    """A JSON:API `team` resource."""

    id: Text = None
    type: Text = None
    attributes: Annotated[ChorusTeamAttributes | None, BeforeValidator(as_object)] = None


# -- shapes ----------------------------------------------------------------------------


def parse(model: type[M], raw: Any, what: str) -> M:
    """Validate a raw payload into a Chorus model; anything unreadable is ProviderResponseError."""
    if not isinstance(raw, Mapping):
        raise ProviderResponseError(f"Chorus sent {what} that is not a JSON object.")
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:  # the lenient schemas make this rare; report, never crash
        message = f"Chorus sent an unreadable {what}: {exc.errors()[0]['msg']}"
        raise ProviderResponseError(message) from None


def resource_of(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """The JSON:API resource of a document (or the resource itself when given one)."""
    data = raw.get("data")
    return data if isinstance(data, Mapping) else raw


def flatten_resource(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """A JSON:API resource (or document) as one flat row: `attributes` plus `id`."""
    # JSON:API keeps fields under `attributes`; flat rows keep them at the top.
    resource = resource_of(raw)
    attributes = resource.get("attributes")
    if isinstance(attributes, Mapping):
        return {**attributes, "id": resource.get("id", attributes.get("id"))}
    return resource


def user_rows(payload: Any) -> list[Mapping[str, Any]]:
    """The user rows of a `/v3/users` body: a bare array, `{"users": [...]}` or JSON:API."""
    rows: Any = payload
    if isinstance(payload, Mapping):
        rows = payload.get("users", payload.get("data"))
        if isinstance(rows, Mapping):  # a JSON:API single-resource document (users/me)
            rows = [rows]
    if not isinstance(rows, list):
        raise ProviderResponseError(
            "Chorus sent /v3/users in an unknown shape (expected an array, "
            '{"users": [...]} or {"data": [...]}).'
        )
    return [row for row in rows if isinstance(row, Mapping)]
