"""What `parley demo` picks from the synced copy to seed its CRM records and user mappings."""

from __future__ import annotations

from parley.cli.demo_seed import pick_people
from parley.insights.contacts_activity import UnmatchedAttendee
from parley.unified import Meeting, User
from parley.unified.meeting import Owner
from parley.unified.user import UserEmail


def _user(uid: str, email: str, *, manager: str | None = None, role: str = "user") -> User:
    return User(id=uid, emails=[UserEmail(email=email)], manager_id=manager, role=role)


def _owned(uid: str, n: int) -> list[Meeting]:
    return [Meeting(id=f"{uid}-{i}", owner=Owner(user_id=uid)) for i in range(n)]


def _guest(email: str, meetings: int, company: str | None = None) -> UnmatchedAttendee:
    return UnmatchedAttendee(
        email=email,
        name=email.split("@")[0],
        company_name=company,
        meetings=meetings,
        last_seen=None,
    )


USERS = [
    _user("1", "ada@seller.example", role="admin"),
    _user("2", "boss@seller.example"),
    _user("3", "rep@seller.example", manager="2"),
    _user("4", "loner@seller.example"),  # no manager: never the member
]
GUESTS = [
    _guest("someone@gmail.com", 9),  # free mail: never the company domain
    _guest("ann@initech.example", 5, "Initech"),
    _guest("bob@initech.example", 3, "Initech"),
    _guest("cy@other.example", 2),
]


def test_the_busiest_owner_with_a_manager_is_the_member_and_free_mail_is_no_company() -> None:
    meetings = _owned("4", 10) + _owned("3", 4) + _owned("2", 1)
    people = pick_people(USERS, meetings, GUESTS)
    assert people is not None
    assert (people.admin, people.manager, people.member) == (
        "ada@seller.example",
        "boss@seller.example",
        "rep@seller.example",
    )
    assert people.domain == "initech.example"
    assert people.company_name == "Initech"
    assert [email for email, _ in people.contacts] == ["ann@initech.example", "bob@initech.example"]


def test_nothing_to_seed_without_business_guests_or_a_managed_owner() -> None:
    assert pick_people(USERS, _owned("3", 2), [_guest("x@gmail.com", 3)]) is None
    assert pick_people(USERS, _owned("4", 2), GUESTS) is None
