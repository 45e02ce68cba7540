"""What `parley demo` seeds besides the account: keyword rules, CRM records, user mappings.

Everything is picked from the synced copy of the sandbox (its users, its meetings' owners and
guests), so the printed curl lines answer with real content: the member owns meetings, the
contact is a guest of several of them, the company is that guest's domain.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from parley.insights.callers import ReadScope
from parley.insights.coaching_views import Viewer
from parley.insights.contacts_activity import UnmatchedAttendee
from parley.insights.rules import RuleChange
from parley.insights.scoped_tokens import ScopedGrant
from parley.insights.scoping import BatchRow, Role
from parley.reads.store import StoreMeetingFilters
from parley.runtime import DemoSeed, Runtime
from parley.storage.repositories.snippet_feed import FeedQuery
from parley.sync.runs import RunStatus
from parley.unified import Meeting, User

__all__ = [
    "DemoInsights",
    "DemoPeople",
    "pick_people",
    "recorded_call_of",
    "seed_insights",
    "seed_library",
    "wait_for_sync",
]

#: The sandbox's competitors (parley.sandbox.people.COMPETITORS), as a user would list theirs.
_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Bugs", ("bug", "doesn't work", "integrat*"), "guest"),
    ("Competitors", ("Gong", "Clari", "Salesloft", "Outreach", "Avoma", "Fireflies"), "any"),
    ("Pricing", ("pricing", "price", "discount*"), "any"),
)
_FREE_MAIL = frozenset({"gmail.com", "outlook.com", "yahoo.com", "hotmail.com"})
_CONTACTS = 3
_TOKEN_TTL = 86400
_SYNC_POLL_S = 0.5
_CLIPS = 4


@dataclass(frozen=True)
class DemoPeople:
    """Who the demo maps (emails) and which guests become CRM records."""

    admin: str
    manager: str
    member: str
    domain: str
    company_name: str
    contacts: tuple[tuple[str, str | None], ...]  # (email, name)


@dataclass(frozen=True)
class DemoInsights:
    """What the demo prints about the insights it seeded."""

    rule_ids: tuple[str, ...]
    member: str
    scoped_token: str
    contact_id: str
    company_id: str
    #: a manager's token (the dashboard of their team) and the member's newest recorded call
    manager_token: str = ""
    playback_meeting_id: str | None = None


def _email(user: User) -> str | None:
    return user.emails[0].email.lower() if user.emails and user.emails[0].email else None


def pick_people(
    users: Sequence[User], meetings: Sequence[Meeting], guests: Sequence[UnmatchedAttendee]
) -> DemoPeople | None:
    """An admin, the busiest owner whose manager is known (member) and that manager; the
    domain (not free mail) with the most guests, and its most met guests (`guests` come most
    met first). None: too little data."""
    by_id = {u.id: u for u in users if _email(u)}
    owners = Counter(m.owner.user_id for m in meetings if m.owner and m.owner.user_id in by_id)
    member = next(
        (by_id[uid] for uid, _ in owners.most_common() if by_id[uid].manager_id in by_id), None
    )
    admin = next((u for u in by_id.values() if (u.role or "").lower() == "admin"), None)
    domains = Counter(
        g.email.rsplit("@", 1)[1].lower()
        for g in guests
        if "@" in g.email and g.email.rsplit("@", 1)[1].lower() not in _FREE_MAIL
    )
    if member is None or member.manager_id is None or not domains:
        return None
    domain = domains.most_common(1)[0][0]
    mine = [g for g in guests if g.email.lower().endswith("@" + domain)][:_CONTACTS]
    admin_email = _email(admin) if admin is not None else None
    return DemoPeople(
        admin=admin_email or _email(by_id[member.manager_id]) or "",
        manager=_email(by_id[member.manager_id]) or "",
        member=_email(member) or "",
        domain=domain,
        company_name=next((g.company_name for g in mine if g.company_name), domain),
        contacts=tuple((g.email, g.name) for g in mine),
    )


async def add_rules(runtime: Runtime, tenant_id: str, account_id: str) -> tuple[str, ...]:
    """The demo's keyword rules (before the first sync: the sync computes their snippets)."""
    ids = []
    for name, phrases, speaker in _RULES:
        change = RuleChange(
            name=name,
            phrases=list(phrases),
            integrated_account_id=account_id,
            speaker_type=speaker,
        )
        ids.append((await runtime.keywords.rules.create(tenant_id, change)).id)
    return tuple(ids)


async def wait_for_sync(runtime: Runtime, run_id: str) -> RunStatus:
    """Until the run has ended (the in-process queue or a worker runs it)."""
    while True:
        view = await runtime.sync.get(None, run_id)
        if view.status in (RunStatus.COMPLETED, RunStatus.FAILED):
            return RunStatus(view.status)
        await asyncio.sleep(_SYNC_POLL_S)


async def seed_insights(
    runtime: Runtime, seeded: DemoSeed, tenant_id: str, rule_ids: tuple[str, ...]
) -> DemoInsights | None:
    """After the first sync: CRM company and contacts, three mappings, a member's token."""
    account = seeded.account_id
    users = (await runtime.store.list_users(account, limit=500)).items
    meetings = (await runtime.store.list_meetings(account, StoreMeetingFilters(), limit=500)).items
    guests = (await runtime.crm.unmatched(tenant_id, account, limit=200, cursor=None)).items
    people = pick_people(users, meetings, guests)
    if people is None:
        return None
    company_id = "demo-" + people.domain.split(".")[0]
    company = {"name": people.company_name, "domains": [people.domain]}
    await runtime.crm.upsert("company", tenant_id, account, company_id, company)
    contacts = [
        {
            "external_id": f"demo-contact-{n}",
            "emails": [email],
            "name": name or email,
            "company_external_id": company_id,
        }
        for n, (email, name) in enumerate(people.contacts, start=1)
    ]
    await runtime.crm.batch("contact", tenant_id, account, {"contacts": contacts})
    roles = ((people.admin, Role.ADMIN), (people.manager, Role.MANAGER))
    rows = [BatchRow(f"demo-{role.value}", email, role) for email, role in roles]
    rows.append(BatchRow("demo-member", people.member, Role.MEMBER))
    await runtime.scoping.put_batch(account, rows)
    tokens = {}
    for app_user in ("demo-member", "demo-manager"):
        mapping = await runtime.scoping.mapping_id(account, app_user)
        grant = ScopedGrant(tenant_id, account, app_user, mapping)
        tokens[app_user], _ = runtime.scoped_tokens.mint(grant, _TOKEN_TTL)
    playback = recorded_call_of(meetings, people.member)
    await seed_library(runtime, tenant_id, account, rule_ids[-1], playback)
    return DemoInsights(
        rule_ids=rule_ids,
        member=people.member,
        scoped_token=tokens["demo-member"],
        contact_id="demo-contact-1",
        company_id=company_id,
        manager_token=tokens["demo-manager"],
        playback_meeting_id=playback,
    )


async def seed_library(
    runtime: Runtime, tenant_id: str, account: str, rule_id: str, playback: str | None
) -> None:
    """A manager's playlist of the Pricing rule's newest clips (and the member's call
    whole), and a coaching comment on that call, so the library and the player show some."""
    # Clips of the manager's team, so that the manager's library shows each one.
    visible = ReadScope(account, await runtime.scoping.scope(account, "demo-manager")).visible
    clips, _ = await runtime.keywords.feed.page(
        FeedQuery(tenant_id, rule_id=rule_id, account_id=account, app_user_id="demo-manager"),
        limit=_CLIPS,
        visible=visible,
    )
    manager = Viewer(account, "demo-manager", visible)
    playlists = runtime.coaching.playlists
    playlist = await playlists.create(
        tenant_id,
        account,
        "Pricing conversations",
        "How our reps handle price and discount questions: listen before your next renewal.",
        owner="demo-manager",
    )
    for clip in clips:
        note = f"{clip.get('speaker_name') or 'Someone'}: {clip['text'][:160]}"
        start, end = clip["start_time"], clip["end_time"]
        await playlists.add_item(
            tenant_id,
            playlist.id,
            manager,
            clip["meeting_id"],
            start_time=start,
            end_time=end if end is not None and start is not None and end > start else None,
            note=note,
        )
    if playback is None:
        return
    await playlists.add_item(
        tenant_id, playlist.id, manager, playback, note="A whole call, start to finish."
    )
    first = next((c["start_time"] for c in clips if c["meeting_id"] == playback), None)
    await runtime.coaching.add_comment(
        tenant_id,
        account,
        playback,
        float(first or 30.0),
        "Nice: you let the customer finish before answering. Ask what they compare us to next.",
        author="demo-manager",
        visible=None,
    )


def recorded_call_of(meetings: Sequence[Meeting], email: str) -> str | None:
    """The newest completed, recorded meeting `email` owns (the playback link's call)."""
    for meeting in meetings:  # newest first
        owner = meeting.owner.email.lower() if meeting.owner and meeting.owner.email else None
        if owner == email and meeting.audio_recording_url and meeting.status == "completed":
            return meeting.id
    return None
