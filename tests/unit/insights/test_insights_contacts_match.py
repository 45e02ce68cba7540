"""CRM matching: normalised emails to contacts, email domains to companies, free mail never."""

from __future__ import annotations

import pytest

from parley.insights.contacts_match import (
    CrmMatch,
    CrmMatcher,
    domain_candidates,
    email_domain,
    is_free_mail_domain,
    normalise_domain,
    normalise_email,
)
from parley.unified import Attendee, AttendeeType


def test_an_email_is_trimmed_lower_cased_and_loses_its_plus_tag() -> None:
    assert normalise_email("  Ann.Lee+CRM@Acme.COM ") == "ann.lee@acme.com"


def test_a_local_part_that_is_only_a_tag_is_kept() -> None:
    assert normalise_email("+team@acme.com") == "+team@acme.com"


@pytest.mark.parametrize(
    "email", ["", "ann", "ann@", "@acme.com", "ann@acme", "ann lee@acme.com", "ann@acme..com"]
)
def test_a_malformed_email_is_refused(email: str) -> None:
    with pytest.raises(ValueError, match="is not an email address"):
        normalise_email(email)


def test_the_domain_of_an_email_is_normalised() -> None:
    assert email_domain("ann@EU.Acme.com.") == "eu.acme.com"


@pytest.mark.parametrize("domain", ["acme", "https://acme.com", "-acme.com", "ac me.com", ""])
def test_a_malformed_company_domain_is_refused(domain: str) -> None:
    with pytest.raises(ValueError, match="is not a domain name"):
        normalise_domain(domain)


def test_the_candidate_domains_run_from_the_longest_to_the_registered_one() -> None:
    assert domain_candidates("a.eu.acme.co") == ("a.eu.acme.co", "eu.acme.co", "acme.co")


def test_free_mail_domains_come_from_the_maintained_list() -> None:
    assert is_free_mail_domain("gmail.com")
    assert is_free_mail_domain("Outlook.com")
    assert is_free_mail_domain("eu.yahoo.com")
    assert not is_free_mail_domain("acme.com")


def test_an_attendee_matches_a_contact_by_normalised_email() -> None:
    crm = CrmMatcher(contacts=[("c1", ["ann@acme.com"])])

    assert crm.match_email(" ANN+zoom@acme.com") == CrmMatch("email", "c1")


def test_a_contact_match_wins_over_a_company_match() -> None:
    crm = CrmMatcher(contacts=[("c1", ["ann@acme.com"])], companies=[("co1", ["acme.com"])])

    assert crm.match_email("ann@acme.com") == CrmMatch("email", "c1")
    assert crm.match_email("bob@acme.com") == CrmMatch("domain", "co1")


def test_a_subdomain_matches_its_company_and_the_longest_domain_wins() -> None:
    crm = CrmMatcher(companies=[("parent", ["acme.com"]), ("emea", ["eu.acme.com"])])

    assert crm.match_email("ann@sales.eu.acme.com") == CrmMatch("domain", "emea")
    assert crm.match_email("ann@us.acme.com") == CrmMatch("domain", "parent")


def test_a_parent_or_lookalike_domain_does_not_match() -> None:
    crm = CrmMatcher(companies=[("emea", ["eu.acme.com"])])

    assert crm.match_email("ann@acme.com") is None
    assert crm.match_email("ann@notacme.com") is None
    assert crm.match_email("ann@eu.acme.com.evil.io") is None


def test_a_free_mail_domain_never_matches_a_company_even_one_that_lists_it() -> None:
    crm = CrmMatcher(companies=[("co1", ["gmail.com", "acme.com"])])

    assert crm.match_email("someone@gmail.com") is None
    assert crm.match_email("someone@acme.com") == CrmMatch("domain", "co1")


def test_a_contact_with_a_free_mail_address_still_matches_by_email() -> None:
    crm = CrmMatcher(contacts=[("c1", ["Ann.Lee@Gmail.com"])])

    assert crm.match_email("ann.lee+x@gmail.com") == CrmMatch("email", "c1")
    assert crm.match_email("bob@gmail.com") is None


def test_records_sharing_an_email_or_domain_go_to_the_smallest_external_id() -> None:
    crm = CrmMatcher(
        contacts=[("c9", ["ann@acme.com"]), ("c2", ["ann@acme.com"])],
        companies=[("co9", ["acme.io"]), ("co2", ["acme.io"])],
    )

    assert crm.match_email("ann@acme.com") == CrmMatch("email", "c2")
    assert crm.match_email("bob@acme.io") == CrmMatch("domain", "co2")


def test_an_internal_attendee_or_one_without_a_valid_email_matches_nothing() -> None:
    crm = CrmMatcher(contacts=[("c1", ["ann@acme.com"])], companies=[("co1", ["acme.com"])])

    internal = Attendee(id="a1", email="ann@acme.com", type=AttendeeType.USER)
    external = Attendee(id="a2", email="ann@acme.com", type=AttendeeType.GUEST)

    assert crm.match_attendee(internal) is None
    assert crm.match_attendee(external) == CrmMatch("email", "c1")
    assert crm.match_attendee(Attendee(id="a3")) is None
    assert crm.match_email("not an email") is None
