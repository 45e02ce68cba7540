"""The coaching library over the synced copy: comments and playlists, scoped inside the
queries, with `coaching.comment_created` in the comment's transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from crm_seed import add_account, meeting, store
from sqlalchemy import func, select

from parley.errors import InvalidRequestError, NotFoundError, PermissionDeniedError
from parley.insights.coaching import CoachingService
from parley.insights.coaching_views import Viewer
from parley.insights.snippet_feed import ListCursors
from parley.security import Vault
from parley.storage import CoachingComment, CoachingPlaylistItem, Database, Event
from parley.storage.scope import MeetingScope, visible_meetings

Ids = tuple[str, str]


def _sees(account_id: str, app_user_id: str, user_id: str) -> MeetingScope:
    return MeetingScope(account_id, app_user_id, user_id=user_id, user_ids=frozenset({user_id}))


@pytest.fixture
def coaching(database: Database, vault: Vault) -> CoachingService:
    return CoachingService(
        database, ListCursors(vault.signer(b"coaching-cursor")), public_url="http://parley.test"
    )


@pytest.fixture
async def seeded(database: Database) -> Ids:
    """Tenant and account: m1, m2 attended by internal user u0 (and owned by u1); m3 owned by
    u1 with no internal attendee."""
    tenant_id, account_id = await add_account(database)
    await store(
        database,
        account_id,
        [
            meeting("m1", ["bo@customer.example"], days_ago=1),
            meeting("m2", ["cy@customer.example"], days_ago=2),
            meeting("m3", ["di@customer.example"], days_ago=3, users=()),
        ],
    )
    return tenant_id, account_id


def _member(account_id: str) -> Viewer:
    """`rep` (provider user u0): sees m1 and m2, not m3."""
    scope = _sees(account_id, "rep", "u0")
    return Viewer(account_id, "rep", visible_meetings(scope))


def _manager(account_id: str) -> Viewer:
    """`boss` (provider user u1, the owner): sees m1, m2 and m3."""
    scope = _sees(account_id, "boss", "u1")
    return Viewer(account_id, "boss", visible_meetings(scope))


async def _count(database: Database, table: type) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_comment_is_listed_by_time_and_sends_its_event(
    coaching: CoachingService, seeded: Ids, database: Database
) -> None:
    tenant_id, account_id = seeded
    rep = _member(account_id)
    late = await coaching.add_comment(
        tenant_id, account_id, "m1", 90.5, "Great close.", author="rep", visible=rep.visible
    )
    early = await coaching.add_comment(
        tenant_id, account_id, "m1", 12, "  Slow down here.  ", author=None, visible=None
    )

    listed = await coaching.list_comments(tenant_id, account_id, "m1", visible=rep.visible)

    assert [c.id for c in listed] == [early.id, late.id]
    assert listed[0].text == "Slow down here."
    assert (listed[0].author_app_user_id, listed[1].author_app_user_id) == (None, "rep")
    assert listed[1].start_time == 90.5
    async with database.session() as session:
        events = list(
            await session.scalars(
                select(Event)
                .where(Event.type == "coaching.comment_created")
                .order_by(Event.created_at)
            )
        )
    assert [e.payload["data"]["id"] for e in events] == [late.id, early.id]
    assert events[0].payload["data"] == late.model_dump(mode="json")
    assert events[0].account_id == account_id


async def test_a_meeting_outside_the_scope_or_not_stored_is_not_found(
    coaching: CoachingService, seeded: Ids, database: Database
) -> None:
    tenant_id, account_id = seeded
    rep = _member(account_id)
    for meeting_id in ("m3", "nope"):
        with pytest.raises(NotFoundError) as caught:
            await coaching.add_comment(
                tenant_id, account_id, meeting_id, 1.0, "Hi", author="rep", visible=rep.visible
            )
        assert caught.value.code == "meeting_not_found"
    await coaching.add_comment(
        tenant_id, account_id, "m3", 1.0, "For managers.", author="boss", visible=None
    )

    with pytest.raises(NotFoundError):
        await coaching.list_comments(tenant_id, account_id, "m3", visible=rep.visible)
    assert len(await coaching.list_comments(tenant_id, account_id, "m3", visible=None)) == 1
    assert await _count(database, Event) == 1


@pytest.mark.parametrize(
    ("start_time", "text", "param"),
    [
        (1.0, "", "text"),
        (1.0, "   ", "text"),
        (1.0, "x" * 4001, "text"),
        (1.0, 42, "text"),
        (-1.0, "Hi", "start_time"),
        (1800.5, "Hi", "start_time"),
        (float("nan"), "Hi", "start_time"),
        (True, "Hi", "start_time"),
        ("3", "Hi", "start_time"),
    ],
)
async def test_a_bad_comment_is_refused_naming_the_field_and_nothing_is_stored(
    coaching: CoachingService,
    seeded: Ids,
    database: Database,
    start_time: object,
    text: object,
    param: str,
) -> None:
    tenant_id, account_id = seeded
    with pytest.raises(InvalidRequestError) as caught:
        await coaching.add_comment(
            tenant_id,
            account_id,
            "m1",
            start_time,  # type: ignore[arg-type]
            text,  # type: ignore[arg-type]
            author=None,
            visible=None,
        )

    assert caught.value.param == param
    assert await _count(database, CoachingComment) == 0
    assert await _count(database, Event) == 0


async def test_the_longest_comment_at_the_last_second_is_stored(
    coaching: CoachingService, seeded: Ids
) -> None:
    tenant_id, account_id = seeded
    view = await coaching.add_comment(
        tenant_id, account_id, "m1", 1800, "x" * 4000, author=None, visible=None
    )
    assert (view.start_time, len(view.text)) == (1800.0, 4000)


async def test_another_tenants_account_is_not_found(
    coaching: CoachingService, seeded: Ids, database: Database
) -> None:
    _, account_id = seeded
    other_tenant, _ = await add_account(database, tenant="globex")
    with pytest.raises(NotFoundError) as caught:
        await coaching.add_comment(
            other_tenant, account_id, "m1", 1.0, "Hi", author=None, visible=None
        )
    assert caught.value.code == "integrated_account_not_found"


async def test_a_comment_is_deleted_by_its_author_or_an_admin_only(
    coaching: CoachingService, seeded: Ids
) -> None:
    tenant_id, account_id = seeded
    rep, boss = _member(account_id), _manager(account_id)
    on_m1 = await coaching.add_comment(
        tenant_id, account_id, "m1", 5.0, "Mine", author="rep", visible=rep.visible
    )
    on_m3 = await coaching.add_comment(
        tenant_id, account_id, "m3", 5.0, "Boss only", author="boss", visible=boss.visible
    )

    with pytest.raises(PermissionDeniedError):  # boss sees m1 but did not write it
        await coaching.delete_comment(tenant_id, on_m1.id, app_user_id="boss", visible=boss.visible)
    with pytest.raises(NotFoundError):  # rep cannot see m3: its comment is not revealed
        await coaching.delete_comment(tenant_id, on_m3.id, app_user_id="rep", visible=rep.visible)
    with pytest.raises(NotFoundError):  # without a scope, a non-author learns nothing
        await coaching.delete_comment(tenant_id, on_m1.id, app_user_id="boss")

    await coaching.delete_comment(tenant_id, on_m1.id, app_user_id="rep", visible=rep.visible)
    await coaching.delete_comment(tenant_id, on_m3.id, app_user_id=None)

    assert await coaching.list_comments(tenant_id, account_id, "m1", visible=None) == []
    assert await coaching.list_comments(tenant_id, account_id, "m3", visible=None) == []
    with pytest.raises(NotFoundError):
        await coaching.delete_comment(tenant_id, on_m1.id, app_user_id=None)


async def test_a_playlist_keeps_its_items_in_order_and_positions_contiguous(
    coaching: CoachingService, seeded: Ids
) -> None:
    tenant_id, account_id = seeded
    boss = _manager(account_id)
    playlists = coaching.playlists
    made = await playlists.create(tenant_id, account_id, "Discovery", "Good calls", owner="boss")
    clip = await playlists.add_item(
        tenant_id, made.id, boss, "m1", start_time=30, end_time=75.5, note="Open question"
    )
    whole = await playlists.add_item(tenant_id, made.id, boss, "m2")
    third = await playlists.add_item(tenant_id, made.id, boss, "m3", start_time=600)

    assert (clip.position, whole.position, third.position) == (0, 1, 2)
    assert (whole.start_time, whole.end_time) == (None, None)
    assert clip.playback_url == (
        f"http://parley.test/app/meetings/m1?integrated_account_id={account_id}&t=30"
    )

    moved = await playlists.update_item(tenant_id, made.id, third.id, boss, position=0)
    assert moved.position == 0
    got = await playlists.get(tenant_id, made.id, boss)
    assert [(i.id, i.position) for i in got.items or []] == [
        (third.id, 0),
        (clip.id, 1),
        (whole.id, 2),
    ]

    await playlists.update_item(tenant_id, made.id, third.id, boss, position=2, note=None)
    await playlists.delete_item(tenant_id, made.id, clip.id, boss)
    got = await playlists.get(tenant_id, made.id, boss)
    assert [(i.id, i.position) for i in got.items or []] == [(whole.id, 0), (third.id, 1)]
    assert got.item_count == 2
    assert (got.name, got.owner_app_user_id) == ("Discovery", "boss")


async def test_items_on_meetings_outside_the_scope_are_hidden(
    coaching: CoachingService, seeded: Ids
) -> None:
    tenant_id, account_id = seeded
    rep, boss = _member(account_id), _manager(account_id)
    playlists = coaching.playlists
    made = await playlists.create(tenant_id, account_id, "Objections", owner="boss")
    await playlists.add_item(tenant_id, made.id, boss, "m3")
    visible = await playlists.add_item(tenant_id, made.id, boss, "m1", start_time=10)

    seen = await playlists.get(tenant_id, made.id, rep)
    listed, _ = await playlists.list(tenant_id, rep, limit=10)

    assert [(i.id, i.position) for i in seen.items or []] == [(visible.id, 1)]
    assert [(p.id, p.item_count) for p in listed] == [(made.id, 1)]
    [shelf] = await playlists.library(tenant_id, rep)
    assert [(i.id, i.position) for i in shelf.items or []] == [(visible.id, 1)]
    [full] = await playlists.library(tenant_id, boss)
    assert [i.meeting_id for i in full.items or []] == ["m3", "m1"]
    with pytest.raises(NotFoundError):
        await playlists.add_item(tenant_id, made.id, Viewer(account_id), "missing")


async def test_only_the_owner_or_an_admin_changes_a_playlist(
    coaching: CoachingService, seeded: Ids, database: Database
) -> None:
    tenant_id, account_id = seeded
    rep, boss = _member(account_id), _manager(account_id)
    playlists = coaching.playlists
    made = await playlists.create(tenant_id, account_id, "Mine", owner="boss")
    item = await playlists.add_item(tenant_id, made.id, boss, "m1")

    with pytest.raises(PermissionDeniedError):
        await playlists.update(tenant_id, made.id, rep, name="Hijacked", description=None)
    with pytest.raises(PermissionDeniedError):
        await playlists.add_item(tenant_id, made.id, rep, "m1")
    with pytest.raises(PermissionDeniedError):
        await playlists.delete_item(tenant_id, made.id, item.id, rep)
    with pytest.raises(PermissionDeniedError):
        await playlists.delete(tenant_id, made.id, rep)

    admin = Viewer()
    renamed = await playlists.update(tenant_id, made.id, admin, name="Ours", description="d")
    assert (renamed.name, renamed.description, renamed.item_count) == ("Ours", "d", 1)
    await playlists.delete(tenant_id, made.id, admin)
    with pytest.raises(NotFoundError):
        await playlists.get(tenant_id, made.id, boss)
    assert await _count(database, CoachingPlaylistItem) == 0


async def test_a_playlist_of_another_account_or_tenant_is_not_found(
    coaching: CoachingService, seeded: Ids, database: Database
) -> None:
    tenant_id, account_id = seeded
    _, second_account = await add_account(database)
    globex, _ = await add_account(database, tenant="globex")
    made = await coaching.playlists.create(tenant_id, account_id, "P", owner=None)

    for tenant, viewer in ((tenant_id, Viewer(second_account, "x")), (globex, Viewer())):
        with pytest.raises(NotFoundError) as caught:
            await coaching.playlists.get(tenant, made.id, viewer)
        assert caught.value.code == "playlist_not_found"


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"start_time": 10, "end_time": 10}, "end_time"),
        ({"start_time": 10, "end_time": 5}, "end_time"),
        ({"end_time": 5}, "end_time"),
        ({"start_time": 1801}, "start_time"),
        ({"start_time": 0, "end_time": 1801}, "end_time"),
        ({"note": ""}, "note"),
    ],
)
async def test_a_bad_item_is_refused_naming_the_field_and_nothing_is_stored(
    coaching: CoachingService,
    seeded: Ids,
    database: Database,
    fields: dict[str, object],
    param: str,
) -> None:
    tenant_id, account_id = seeded
    made = await coaching.playlists.create(tenant_id, account_id, "P", owner=None)
    with pytest.raises(InvalidRequestError) as caught:
        await coaching.playlists.add_item(tenant_id, made.id, Viewer(), "m1", **fields)
    assert caught.value.param == param
    assert await _count(database, CoachingPlaylistItem) == 0


@pytest.mark.parametrize("position", [-1, 2, True, "0", 1.0])
async def test_a_move_outside_the_playlist_is_refused(
    coaching: CoachingService, seeded: Ids, position: object
) -> None:
    tenant_id, account_id = seeded
    playlists = coaching.playlists
    made = await playlists.create(tenant_id, account_id, "P", owner=None)
    first = await playlists.add_item(tenant_id, made.id, Viewer(), "m1")
    await playlists.add_item(tenant_id, made.id, Viewer(), "m2")

    with pytest.raises(InvalidRequestError) as caught:
        await playlists.update_item(tenant_id, made.id, first.id, Viewer(), position=position)

    assert caught.value.param == "position"
    got = await playlists.get(tenant_id, made.id, Viewer())
    assert [i.position for i in got.items or []] == [0, 1]


async def test_playlists_page_newest_first_with_cursors_bound_to_the_viewer(
    coaching: CoachingService, seeded: Ids
) -> None:
    tenant_id, account_id = seeded
    made = [
        await coaching.playlists.create(tenant_id, account_id, f"P{n}", owner=None)
        for n in range(5)
    ]
    viewer = _member(account_id)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page, cursor = await coaching.playlists.list(tenant_id, viewer, limit=2, cursor=cursor)
        seen += [p.id for p in page]
        if cursor is None:
            break
        with pytest.raises(InvalidRequestError) as caught:
            await coaching.playlists.list(tenant_id, _manager(account_id), limit=2, cursor=cursor)
        assert caught.value.param == "next_cursor"

    assert seen == [p.id for p in reversed(made)]
