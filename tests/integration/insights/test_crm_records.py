"""Contacts and companies: validation, batches, lists, cursors and tenancy."""

from __future__ import annotations

import pytest
from crm_seed import add_account, meeting, store

from parley.errors import InvalidCursorError, InvalidRequestError, NotFoundError
from parley.insights.contacts import CrmService
from parley.storage import Database

Account = tuple[str, str]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"emails": []}, "emails"),
        ({"emails": ["a@x.io"] * 11}, "emails"),
        ({"emails": ["a@x.io", "not an email"]}, "emails[1]"),
        ({"emails": ["a@x.io"], "nickname": "A"}, "nickname"),
        ({"emails": ["a@x.io"], "metadata": {"blob": "x" * 8200}}, "metadata"),
        ({"emails": ["a@x.io"], "metadata": ["not", "an", "object"]}, "metadata"),
        ({"emails": "a@x.io"}, "emails"),
        # Neither database may store NUL (PostgreSQL cannot): refused alike on both.
        ({"emails": ["a@x.io"], "name": "A\x00"}, "name"),
        ({"emails": ["a@x.io"], "metadata": {"note": ["v\x00"]}}, "metadata"),
        (["a@x.io"], None),
    ],
)
async def test_a_bad_contact_is_a_400_naming_the_parameter(
    crm: CrmService, account: Account, body: object, param: str | None
) -> None:
    tenant, account_id = account
    with pytest.raises(InvalidRequestError) as caught:
        await crm.upsert("contact", tenant, account_id, "c-1", body)
    assert caught.value.code == "invalid_request"
    assert caught.value.param == param


async def test_metadata_up_to_8_kb_is_kept(crm: CrmService, account: Account) -> None:
    tenant, account_id = account
    metadata = {"blob": "x" * (8192 - len('{"blob":""}'))}
    view, _ = await crm.upsert(
        "contact", tenant, account_id, "c-1", {"emails": ["a@x.io"], "metadata": metadata}
    )
    assert view.metadata == metadata


async def test_a_bad_company_domain_is_a_400_naming_it(crm: CrmService, account: Account) -> None:
    tenant, account_id = account
    with pytest.raises(InvalidRequestError) as caught:
        await crm.upsert("company", tenant, account_id, "co", {"domains": ["acme.com", "acme"]})
    assert caught.value.param == "domains[1]"


async def test_a_batch_stores_its_good_rows_and_reports_the_bad_ones(
    crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    await crm.upsert("contact", tenant, account_id, "c-0", {"emails": ["zero@x.io"]})
    body = {
        "contacts": [
            {"external_id": "c-0", "emails": ["zero@x.io"], "name": "Zero"},
            {"external_id": "c-1", "emails": ["one@x.io"]},
            {"external_id": "c-2", "emails": ["nope"]},
            {"emails": ["three@x.io"]},
            "not an object",
            {"external_id": "c-5", "emails": ["five@x.io"], "company_external_id": "co-1"},
        ]
    }

    result = await crm.batch("contact", tenant, account_id, body)

    assert (result.created, result.updated) == (2, 1)
    assert [(e.index, e.error["param"]) for e in result.errors] == [
        (2, "contacts[2].emails[0]"),
        (3, "contacts[3].external_id"),
        (4, "contacts[4]"),
    ]
    assert all(
        e.error["status"] == 400 and e.error["code"] == "invalid_request" for e in result.errors
    )
    page = await crm.list_records("contact", tenant, account_id, key=None, limit=50, cursor=None)
    assert [v.external_id for v in page.items] == ["c-0", "c-1", "c-5"]
    assert page.items[0].name == "Zero"


async def test_a_batch_of_more_than_1000_rows_is_refused_whole(
    crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    rows = [{"external_id": f"co-{i}", "domains": [f"d{i}.example"]} for i in range(1001)]
    with pytest.raises(InvalidRequestError) as caught:
        await crm.batch("company", tenant, account_id, {"companies": rows})
    assert caught.value.param == "companies"


async def test_a_company_batch_matches_past_meetings(
    database: Database, crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    await store(database, account_id, [meeting(f"m-{i}", [f"p@d{i}.example"]) for i in range(60)])
    # More domains than one LIKE query takes: the backfill reads every attendee instead.
    rows = [{"external_id": f"co-{i}", "domains": [f"d{i}.example"]} for i in range(50)]

    result = await crm.batch("company", tenant, account_id, {"companies": rows})

    assert (result.created, result.errors) == (50, [])
    page = await crm.activities("company", tenant, account_id, "co-7", limit=5, cursor=None)
    assert [a.meeting_id for a in page.items] == ["m-7"]
    unmatched = await crm.unmatched(tenant, account_id, limit=500, cursor=None)
    assert len(unmatched.items) == 10


async def test_lists_filter_by_normalised_email_or_domain_and_page_with_cursors(
    crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    for i in range(5):
        await crm.upsert("contact", tenant, account_id, f"c-{i}", {"emails": [f"p{i % 2}@x.io"]})
    await crm.upsert("company", tenant, account_id, "co-1", {"domains": ["acme.com", "acme.de"]})

    by_email = await crm.list_records(
        "contact", tenant, account_id, key="P1+news@X.io", limit=50, cursor=None
    )
    by_domain = await crm.list_records(
        "company", tenant, account_id, key="ACME.de", limit=50, cursor=None
    )
    seen: list[str] = []
    cursor = None
    while True:
        page = await crm.list_records(
            "contact", tenant, account_id, key=None, limit=2, cursor=cursor
        )
        seen += [v.external_id for v in page.items]
        if (cursor := page.next_cursor) is None:
            break

    assert [v.external_id for v in by_email.items] == ["c-1", "c-3"]
    assert [v.external_id for v in by_domain.items] == ["co-1"]
    assert seen == [f"c-{i}" for i in range(5)]
    with pytest.raises(InvalidRequestError) as caught:
        await crm.list_records("contact", tenant, account_id, key="nope", limit=5, cursor=None)
    assert caught.value.param == "email"


async def test_a_cursor_works_only_for_its_own_list(crm: CrmService, account: Account) -> None:
    tenant, account_id = account
    for i in range(3):
        await crm.upsert("contact", tenant, account_id, f"c-{i}", {"emails": [f"p{i}@x.io"]})
    page = await crm.list_records("contact", tenant, account_id, key=None, limit=1, cursor=None)
    assert page.next_cursor is not None

    for call in (
        crm.list_records(
            "contact", tenant, account_id, key="p1@x.io", limit=1, cursor=page.next_cursor
        ),
        crm.list_records("company", tenant, account_id, key=None, limit=1, cursor=page.next_cursor),
        crm.unmatched(tenant, account_id, limit=1, cursor=page.next_cursor),
        crm.list_records("contact", tenant, account_id, key=None, limit=1, cursor="forged.token"),
    ):
        with pytest.raises(InvalidCursorError):
            await call


async def test_unmatched_attendees_are_grouped_by_normalised_email_most_meetings_first(
    database: Database, crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    await store(
        database,
        account_id,
        [
            meeting("m-1", ["Zed@y.io", "amy@y.io"], days_ago=5),
            meeting("m-2", ["zed+x@y.io", "bea@y.io"], days_ago=1),
            meeting("m-3", ["known@y.io", "amy@y.io", "cat@y.io"], days_ago=3),
        ],
    )
    await crm.upsert("contact", tenant, account_id, "c-known", {"emails": ["known@y.io"]})

    rows: list[tuple[str, int]] = []
    cursor = None
    while True:
        page = await crm.unmatched(tenant, account_id, limit=2, cursor=cursor)
        rows += [(u.email, u.meetings) for u in page.items]
        if (cursor := page.next_cursor) is None:
            break
    full = await crm.unmatched(tenant, account_id, limit=50, cursor=None)

    assert rows == [("amy@y.io", 2), ("zed@y.io", 2), ("bea@y.io", 1), ("cat@y.io", 1)]
    zed = next(u for u in full.items if u.email == "zed@y.io")
    assert zed.name == "Zed+X"
    assert zed.company_name == "Guest Co"
    assert zed.last_seen is not None
    assert zed.last_seen.day == 31


async def test_another_tenants_account_is_a_404(database: Database, crm: CrmService) -> None:
    _, theirs = await add_account(database, "globex")
    mine, _ = await add_account(database, "acme")
    for call in (
        crm.upsert("contact", mine, theirs, "c-1", {"emails": ["a@x.io"]}),
        crm.list_records("company", mine, theirs, key=None, limit=5, cursor=None),
        crm.unmatched(mine, theirs, limit=5, cursor=None),
        crm.upsert("contact", mine, "no-such-account", "c-1", {"emails": ["a@x.io"]}),
    ):
        with pytest.raises(NotFoundError) as caught:
            await call
        assert caught.value.code == "integrated_account_not_found"


async def test_an_unknown_record_is_a_404(crm: CrmService, account: Account) -> None:
    tenant, account_id = account
    for call in (
        crm.get("contact", tenant, account_id, "nobody"),
        crm.delete("company", tenant, account_id, "nothing"),
        crm.activities("contact", tenant, account_id, "nobody", limit=5, cursor=None),
    ):
        with pytest.raises(NotFoundError) as caught:
            await call
        assert caught.value.code in {"crm_contact_not_found", "crm_company_not_found"}
