"""Chorus users and teams -> unified User and Team, whatever shape `/v3/users` takes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from parley.errors import ProviderResponseError
from parley.providers.chorus.people import map_team, map_user
from parley.providers.chorus.schemas import user_rows


def spec_user(user_id: str = "123", **changes: Any) -> dict[str, Any]:
    """A JSON:API `user` resource with every attribute the spec requires."""
    attributes: dict[str, Any] = {
        "allowed_access": 1,
        "autojoin": 1,
        "biometric_policy": False,
        "created_on": "2021-01-01T00:00:00Z",
        "default_meeting_link": "https://acme.zoom.us/j/1",
        "domain": "acme.com",
        "email": "john.smith@acme.com",
        "fingerprint_state": "manual",
        "first_name": "John",
        "internal": True,
        "invalidated": False,
        "is_email_linked": True,
        "language": "en",
        "last_login_at": "2021-02-01T00:00:00Z",
        "last_name": "Smith",
        "license_type": "RECORDER",
        "linkedin": "",
        "location": "NYC",
        "manager_id": 77,
        "meta": {"sf_record_id": None},
        "name": "John Smith",
        "onboarding_status": "ONBOARDED",
        "permission_role_id": 2,
        "person_id": 555,
        "picture": "",
        "primary_team": 9,
        "privacy_policy": True,
        "provisioning_type": "manual",
        "role": "Account Executive",
        "seniority": "senior",
        "sub_role": "",
        "sync_calendar": 1,
        "team_ids": [9, 10],
        "terms_and_conditions": True,
        "terms_conditions": 1,
        "tier": "pro",
        "title": "AE",
        "type": "Sales Rep",
        "utc_offset": -5.0,
    }
    attributes.update(changes)
    return {"type": "user", "id": user_id, "attributes": attributes}


def flat(resource: dict[str, Any]) -> dict[str, Any]:
    return {"id": int(resource["id"]), **resource["attributes"]}


def validator(schemas: dict[str, Any], name: str) -> OAS30Validator:
    registry = Registry().with_resource(
        "spec", Resource.from_contents(schemas, default_specification=DRAFT4)
    )
    return OAS30Validator({"$ref": f"spec#/components/schemas/{name}"}, registry=registry)


def test_spec_user_matches_the_spec_schema(chorus_schemas: dict[str, Any]) -> None:
    doc = {"data": spec_user()}
    assert [e.message for e in validator(chorus_schemas, "UserDoc").iter_errors(doc)] == []


def test_users_me_document_maps_every_field() -> None:
    user = map_user({"data": spec_user()})

    assert user.id == "123"
    assert (user.name, user.first_name, user.last_name) == ("John Smith", "John", "Smith")
    assert [e.model_dump() for e in user.emails] == [
        {"email": "john.smith@acme.com", "is_primary": True}
    ]
    assert (user.role, user.title) == ("Account Executive", "AE")
    assert (user.team_ids, user.manager_id) == (["9", "10"], "77")
    assert (user.is_active, user.license_type) == (True, "RECORDER")
    assert user.created_at == datetime(2021, 1, 1, tzinfo=UTC)
    assert user.updated_at is None


@pytest.mark.parametrize(
    "shape",
    [
        lambda rows: [flat(r) for r in rows],
        lambda rows: {"users": [flat(r) for r in rows]},
        lambda rows: {"data": rows},
    ],
    ids=["array", "wrapped", "jsonapi"],
)
def test_v3_users_parse_in_all_three_shapes(shape: Any) -> None:
    payload = shape([spec_user("1"), spec_user("2", email="b@acme.com")])
    users = [map_user(row) for row in user_rows(payload)]

    assert [u.id for u in users] == ["1", "2"]
    assert [u.emails[0].email for u in users] == ["john.smith@acme.com", "b@acme.com"]
    assert users[0].team_ids == ["9", "10"]


def test_role_falls_back_to_type_and_invalidated_is_inactive() -> None:
    user = map_user(flat(spec_user(role=None, invalidated=True)))
    assert (user.role, user.is_active) == ("Sales Rep", False)


def test_user_row_with_user_id_and_nothing_else_maps_to_nulls() -> None:
    user = map_user({"user_id": 42})

    assert user.id == "42"
    assert (user.name, user.emails, user.team_ids, user.is_active) == (None, [], [], None)
    assert user.remote_data == {"user_id": 42}


def test_user_with_nulls_does_not_crash() -> None:
    row = dict.fromkeys(spec_user()["attributes"]) | {"id": "5"}
    user = map_user(row)
    assert (user.id, user.created_at, user.manager_id) == ("5", None, None)


def test_user_without_an_id_is_a_provider_response_error() -> None:
    with pytest.raises(ProviderResponseError, match="without an id"):
        map_user({"name": "Ghost"})


@pytest.mark.parametrize("payload", [{"total": 3}, "users", 3, None])
def test_unknown_users_shape_is_a_provider_response_error(payload: Any) -> None:
    with pytest.raises(ProviderResponseError, match="unknown shape"):
        user_rows(payload)


def test_user_rows_skip_non_objects() -> None:
    assert user_rows([{"id": 1}, None, "x"]) == [{"id": 1}]


TEAMS_DOC: dict[str, Any] = {
    "data": [
        {
            "type": "team",
            "id": "9",
            "attributes": {
                "name": "West",
                "description": "West coast AEs",
                "language": "en",
                "users": [123, 124],
                "manager": 77,
                "parent_team": 1,
                "default": False,
            },
        },
        {
            "type": "team",
            "id": "10",
            "attributes": {"name": "East", "language": "en", "users": [], "manager": None},
        },
    ]
}


def test_teams_doc_matches_the_spec_schema(chorus_schemas: dict[str, Any]) -> None:
    errors = validator(chorus_schemas, "TeamsDoc").iter_errors(TEAMS_DOC)
    assert [e.message for e in errors] == []


def test_team_maps_members_manager_and_parent() -> None:
    team = map_team(TEAMS_DOC["data"][0])

    assert team.model_dump(exclude={"remote_data"}) == {
        "id": "9",
        "name": "West",
        "description": "West coast AEs",
        "member_ids": ["123", "124"],
        "manager_id": "77",
        "parent_team_id": "1",
    }
    assert team.remote_data == TEAMS_DOC["data"][0]


def test_team_with_missing_and_null_fields_maps_to_nulls() -> None:
    team = map_team(TEAMS_DOC["data"][1])
    assert (team.description, team.manager_id, team.parent_team_id) == (None, None, None)
    assert map_team({"type": "team", "id": "3"}).name is None


def test_team_document_is_accepted_like_the_resource() -> None:
    assert map_team({"data": TEAMS_DOC["data"][0]}) == map_team(TEAMS_DOC["data"][0])


def test_team_without_an_id_is_a_provider_response_error() -> None:
    with pytest.raises(ProviderResponseError, match="without an id"):
        map_team({"type": "team", "attributes": {"name": "x"}})
