"""The call log's pure parts: record validation, per-meeting matches, unmatched grouping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.errors import InvalidRequestError
from parley.insights.contacts_activity import unmatched_groups, wanted_matches
from parley.insights.contacts_match import CrmMatcher
from parley.insights.contacts_records import parse_external_id, parse_record
from parley.storage.repositories.crm_matches import AttendeeRow

DAY = datetime(2026, 6, 1, tzinfo=UTC)


def _row(meeting: str, position: int, email: str, day: int = 1) -> AttendeeRow:
    return AttendeeRow(meeting, position, email, email.split("@")[0], DAY.replace(day=day))


def test_a_contact_keeps_its_emails_as_given_and_matches_on_their_normal_form() -> None:
    record = parse_record("contact", {"emails": [" Ann+x@Acme.com ", "ann@acme.com", "b@c.io"]})

    assert record.keys == ("ann@acme.com", "b@c.io")
    assert record.values["emails"] == ["Ann+x@Acme.com", "b@c.io"]


def test_a_company_keeps_its_domains_normalised_once() -> None:
    record = parse_record("company", {"domains": ["Acme.COM.", "acme.com", "eu.acme.com"]})

    assert record.keys == ("acme.com", "eu.acme.com")


@pytest.mark.parametrize("value", ["", "  ", "a/b", "tab\there", "x" * 201, 7, None])
def test_an_external_id_is_a_plain_string(value: object) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_external_id(value, "contacts[3].external_id")
    assert caught.value.param == "contacts[3].external_id"


def test_a_batch_row_error_names_the_field_inside_the_request() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_record("company", {"domains": ["ok.com", 5]}, "companies[9]")
    assert caught.value.param == "companies[9].domains[1]"


def test_one_match_per_meeting_and_record_naming_the_first_attendee() -> None:
    matcher = CrmMatcher([("c-ann", ["ann@acme.com"])], [("co-acme", ["acme.com"])])
    rows = [
        _row("m1", 3, "di@acme.com"),
        _row("m1", 1, "ann@acme.com"),
        _row("m1", 2, "cy@eu.acme.com"),
        _row("m2", 1, "ann+x@acme.com"),
        _row("m2", 2, "fi@gmail.com"),
    ]

    wanted = wanted_matches(rows, matcher)

    assert {k: (r.position, r.email) for k, r in wanted.items()} == {
        ("m1", "contact", "c-ann"): (1, "ann@acme.com"),
        ("m1", "company", "co-acme"): (2, "cy@eu.acme.com"),
        ("m2", "contact", "c-ann"): (1, "ann+x@acme.com"),
    }


def test_unmatched_attendees_group_by_normal_form_and_keep_the_latest_name() -> None:
    matcher = CrmMatcher([("c", ["known@x.io"])], [("co", ["corp.io"])])
    rows = [
        _row("m1", 1, "zed@y.io", day=2),
        _row("m2", 1, "zed+news@y.io", day=5),
        _row("m2", 2, "known@x.io", day=5),
        _row("m3", 1, "amy@corp.io", day=3),
        _row("m3", 2, "bo@y.io", day=3),
        _row("m3", 3, "not an email", day=3),
    ]

    groups = unmatched_groups(rows, matcher)

    assert [(g.email, len(g.meetings)) for g in groups] == [("zed@y.io", 2), ("bo@y.io", 1)]
    assert groups[0].latest.name == "zed+news"
    assert groups[0].last_seen == DAY.replace(day=5)
