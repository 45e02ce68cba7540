"""The seller's org (users, teams) and its prospects (accounts, contacts, opportunities)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from parley.sandbox.config import SandboxConfig
from parley.sandbox.people import (
    COMPETITORS,
    CUSTOMER_TITLES,
    FIRST_NAMES,
    LAST_NAMES,
    MANAGER_TITLES,
    PROSPECTS,
    REP_TITLES,
    SELLER_DOMAIN,
    TEAM_NAMES,
)
from parley.sandbox.prospects import (
    DEAL_TRAITS,
    deal_traits,
    deal_window,
    email,
    email_quirks,
    guest_email,
    meeting_share,
)

__all__ = [
    "DEAL_STAGES",
    "DEAL_TRAITS",
    "Company",
    "Contact",
    "Org",
    "Team",
    "User",
    "build_org",
]

DEAL_STAGES = (
    "Discovery",
    "Qualification",
    "Demo",
    "Proposal",
    "Negotiation",
    "Closed Won",
)
_LOCATIONS = (("San Francisco, CA", -7.0), ("New York, NY", -4.0), ("London, UK", 1.0))


@dataclass(frozen=True, slots=True)
class User:
    """A seller-side Chorus user (admin, manager or rep)."""

    id: int
    person_id: int
    first_name: str
    last_name: str
    email: str
    role: str
    type: str
    title: str
    team_ids: tuple[int, ...]
    manager_id: int | None
    license_type: str
    created_on: datetime
    deactivated_at: datetime | None
    location: str
    utc_offset: float

    @property
    def name(self) -> str:
        """Full display name."""
        return f"{self.first_name} {self.last_name}"

    @property
    def invalidated(self) -> bool:
        """True when the user has left (deactivated)."""
        return self.deactivated_at is not None

    def active_at(self, when: datetime) -> bool:
        """Whether the user could own a call at this time."""
        return self.created_on <= when and (
            self.deactivated_at is None or when < self.deactivated_at
        )


@dataclass(frozen=True, slots=True)
class Team:
    """A sales team: a manager and members."""

    id: int
    name: str
    manager_id: int
    member_ids: tuple[int, ...]
    default: bool
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class Contact:
    """An external guest at a prospect company."""

    person_id: int
    first_name: str
    last_name: str
    title: str
    email: str
    company: str

    @property
    def name(self) -> str:
        """Full display name."""
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True, slots=True)
class Company:
    """A prospect account with its CRM opportunity (None for a prospect without one).

    Meetings with the account fall between `opened_at` and `quiet_since` (None: until now).
    """

    account_id: int
    name: str
    domain: str
    industry: str
    ext_id: str
    zi_company_id: str
    contacts: tuple[Contact, ...]
    owner_ids: tuple[int, ...]
    opportunity_id: str | None
    opportunity_name: str | None
    amount: int
    opened_at: datetime
    cycle_days: int
    quiet_since: datetime | None
    traits: frozenset[str]
    rival: str | None
    # How much of the meetings of its time the account gets, relative to the others: a
    # deal worked for a short while is met more often, so every deal has several.
    meeting_share: float

    def active_at(self, when: datetime) -> bool:
        """Whether the account is being worked (and so has meetings) at this time."""
        return self.opened_at <= when and (self.quiet_since is None or when <= self.quiet_since)

    def stage_at(self, when: datetime) -> str:
        """The opportunity's stage at a moment of the sales cycle."""
        if self.opportunity_id is None:
            return DEAL_STAGES[0]
        progress = (when - self.opened_at).total_seconds() / (self.cycle_days * 86400)
        index = int(max(0.0, min(progress, 0.999)) * len(DEAL_STAGES))
        return DEAL_STAGES[index]


@dataclass(frozen=True, slots=True)
class Org:
    """Everything about who talks in the generated calls."""

    users: tuple[User, ...]
    teams: tuple[Team, ...]
    companies: tuple[Company, ...]
    reps: tuple[User, ...]
    # The deals still worked at the anchor, in a seeded order: the newest meetings go
    # round them, so none of them has gone quiet.
    rotation: tuple[Company, ...]

    def user(self, user_id: int) -> User | None:
        """The user with this id, if any."""
        return next((u for u in self.users if u.id == user_id), None)

    def team(self, team_id: int) -> Team | None:
        """The team with this id, if any."""
        return next((t for t in self.teams if t.id == team_id), None)

    def companies_at(self, when: datetime) -> list[Company]:
        """The accounts being worked at this time."""
        return [c for c in self.companies if c.active_at(when)]

    @property
    def admin(self) -> User:
        """The org's admin (the default token's user)."""
        return self.users[0]


def _hex_id(*parts: object, length: int = 15) -> str:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:length].upper()


def _names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    pairs = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
    return rng.sample(pairs, count)


def build_org(config: SandboxConfig) -> Org:
    """Generate the org deterministically from the config's seed."""
    rng = random.Random(f"{config.seed}:org")
    start = config.anchor - timedelta(days=config.span_days)
    names = _names(rng, config.users + 6 * len(PROSPECTS))
    user_base = rng.randrange(300_000, 390_000)
    person_base = rng.randrange(18_000_000, 18_900_000)
    team_ids = [4100 + 7 * k for k in range(config.teams)]

    manager_count = config.teams
    rep_count = config.users - 1 - manager_count
    users: list[User] = []
    admin_id = user_base
    for k in range(config.users):
        first, last = names[k]
        location, offset = _LOCATIONS[k % len(_LOCATIONS)]
        created = start - timedelta(days=rng.randrange(60, 900))
        teams: tuple[int, ...]
        manager: int | None
        if k == 0:
            role, utype, title = "admin", "Sales Ops", "Revenue Operations Lead"
            teams, manager = (team_ids[0],), None
        elif k <= manager_count:
            # Two levels: the first manager is a director the other managers report to.
            role, utype = "manager", "Sales Manager"
            title = MANAGER_TITLES[(k - 1) % len(MANAGER_TITLES)]
            teams, manager = (team_ids[k - 1],), admin_id if k == 1 else admin_id + 1
        else:
            role, utype = "rep", "Sales Rep"
            rep_index = k - 1 - manager_count
            title = REP_TITLES[rep_index % len(REP_TITLES)]
            team_index = rep_index % config.teams
            teams, manager = (team_ids[team_index],), admin_id + 1 + team_index
            if rep_index == len(REP_TITLES) - 1 and config.teams > 1:
                # The solutions engineer supports a second team.
                teams = (*teams, team_ids[(team_index + 1) % config.teams])
        users.append(
            User(
                id=admin_id + k,
                person_id=person_base + 37 * k,
                first_name=first,
                last_name=last,
                email=email(first, last, SELLER_DOMAIN),
                role=role,
                type=utype,
                title=title,
                team_ids=teams,
                manager_id=manager,
                license_type="LISTENER" if role == "admin" else "RECORDER",
                created_on=created,
                deactivated_at=None,
                location=location,
                utc_offset=offset,
            )
        )
    # One rep left mid-way: older calls keep them as owner, newer ones do not.
    if rep_count >= 4:
        leaver = users[-1]
        left = start + timedelta(days=config.span_days * 0.45)
        users[-1] = replace(leaver, deactivated_at=left)

    team_list = tuple(
        Team(
            id=team_ids[k],
            name=TEAM_NAMES[k] if k < len(TEAM_NAMES) else f"Team {k + 1}",
            manager_id=admin_id + 1 + k,
            member_ids=tuple(u.id for u in users if team_ids[k] in u.team_ids),
            default=k == 0,
            parent_id=None if k == 0 else team_ids[0],
        )
        for k in range(config.teams)
    )
    reps = [u for u in users if u.role == "rep"]
    companies = _companies(config, rng, names[config.users :], reps, start)
    rotation = [c for c in companies if c.opportunity_id and c.quiet_since is None]
    rng.shuffle(rotation)
    return Org(
        users=tuple(users),
        teams=team_list,
        companies=companies,
        reps=tuple(reps),
        rotation=tuple(rotation),
    )


def _companies(
    config: SandboxConfig,
    rng: random.Random,
    names: list[tuple[str, str]],
    reps: list[User],
    start: datetime,
) -> tuple[Company, ...]:
    companies: list[Company] = []
    person_base = rng.randrange(19_000_000, 19_900_000)
    name_iter = iter(names)
    traits = deal_traits(rng)
    quirks = email_quirks(rng)
    for k, (company_name, stem, industry) in enumerate(PROSPECTS):
        domain = f"{stem}.example"
        contact_count = 1 if "single_threaded" in traits[k] else rng.randint(2, 5)
        contacts = []
        for c in range(contact_count):
            first, last = next(name_iter)
            contacts.append(
                Contact(
                    person_id=person_base + 101 * k + c,
                    first_name=first,
                    last_name=last,
                    title=rng.choice(CUSTOMER_TITLES),
                    email=guest_email(
                        rng,
                        quirks.get(k, ("", 0)),
                        (first, last),
                        domain,
                        (c, contact_count),
                    ),
                    company=company_name,
                )
            )
        owners = rng.sample(reps, k=min(2, len(reps)))
        opened, quiet, cycle = deal_window(rng, config, traits[k])
        kind = rng.choice(("New Business", "New Business", "Expansion", "Renewal"))
        has_deal = "no_deal" not in traits[k]
        companies.append(
            Company(
                account_id=7_000_000 + 1_013 * k + config.seed % 1000,
                name=company_name,
                domain=domain,
                industry=industry,
                ext_id="001" + _hex_id(config.seed, "account", k),
                zi_company_id=str(80_000_000 + 7_919 * k),
                contacts=tuple(contacts),
                owner_ids=tuple(u.id for u in owners),
                opportunity_id="006" + _hex_id(config.seed, "opportunity", k) if has_deal else None,
                opportunity_name=f"{company_name} - {kind}" if has_deal else None,
                amount=rng.randrange(12, 240) * 1_000,
                opened_at=opened if has_deal else start - timedelta(days=30),
                cycle_days=cycle,
                quiet_since=quiet,
                traits=frozenset(traits[k]),
                rival=rng.choice(COMPETITORS) if "competitive" in traits[k] else None,
                meeting_share=meeting_share(config, opened, quiet, traits[k]),
            )
        )
    return tuple(companies)
