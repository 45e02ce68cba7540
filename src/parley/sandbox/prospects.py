"""How the prospects' deals and people vary: risk traits, deal windows, guest addresses.

Each helper draws from the org's seeded RNG, so the same seed gives the same prospects.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime, timedelta

from parley.sandbox.config import SandboxConfig
from parley.sandbox.people import EMAIL_TAGS, FREE_MAIL_DOMAINS, PROSPECTS, REGIONS

__all__ = [
    "DEAL_TRAITS",
    "deal_traits",
    "deal_window",
    "email",
    "email_quirks",
    "guest_email",
    "meeting_share",
]

#: What makes a deal risky, and how many of the deals get each trait (traits overlap).
DEAL_TRAITS = {
    "stalled": 5,  # its last meeting is 24-55 days before the anchor
    "single_threaded": 3,  # one customer contact only
    "low_talk": 3,  # the guests barely talk
    "competitive": 5,  # guests keep bringing up one competitor
    "price_sensitive": 5,  # guests push back on price
    "no_next_steps": 4,  # no next steps in the meetings of its last 30 days
}
_NO_DEAL_PROSPECTS = 2  # prospects called without a CRM opportunity
_NO_DEAL_SHARE = 0.12


def _local(first: str, last: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore")
    return ascii_name.decode().replace("'", "")


def email(first: str, last: str, domain: str) -> str:
    """`first.last@domain`, lower-case ASCII."""
    return f"{_local(first, last).lower()}@{domain}"


def deal_traits(rng: random.Random) -> list[set[str]]:
    """Per prospect: `no_deal`, or the deal's risk traits (a fixed number of deals each)."""
    order = list(range(len(PROSPECTS)))
    rng.shuffle(order)
    traits: list[set[str]] = [set() for _ in PROSPECTS]
    for k in order[:_NO_DEAL_PROSPECTS]:
        traits[k].add("no_deal")
    deals = order[_NO_DEAL_PROSPECTS:]
    for k in deals[: DEAL_TRAITS["stalled"]]:
        traits[k].add("stalled")
    for trait, count in DEAL_TRAITS.items():
        if trait != "stalled":
            for k in rng.sample(deals, count):
                traits[k].add(trait)
    return traits


def email_quirks(rng: random.Random) -> dict[int, tuple[str, int]]:
    """Per prospect, how its people's addresses differ and the quirk's ordinal: regional
    subdomains, free mail (cycling through the providers), `+tag`s, capitals."""
    kinds = ("region",) * 5 + ("free",) * 6 + ("tag",) * 4 + ("caps",) * 2
    picks = rng.sample(range(len(PROSPECTS)), len(kinds))
    pairs = enumerate(zip(picks, kinds, strict=True))
    return {k: (kind, kinds[:n].count(kind)) for n, (k, kind) in pairs}


def guest_email(
    rng: random.Random,
    quirk: tuple[str, int],
    name: tuple[str, str],
    domain: str,
    position: tuple[int, int],
) -> str:
    """The address of contact `position` = (index, count) of a prospect."""
    kind, ordinal = quirk
    index, count = position
    local = _local(*name).lower()
    if kind == "region" and index % 2 == 1:
        return f"{local}@{REGIONS[ordinal % len(REGIONS)]}.{domain}"
    if kind == "free" and index == count - 1:
        mail = FREE_MAIL_DOMAINS[ordinal % len(FREE_MAIL_DOMAINS)]
        return f"{local}{rng.randrange(10, 99)}@{mail}"
    if kind == "tag" and index == 0:
        return f"{local}+{EMAIL_TAGS[ordinal % len(EMAIL_TAGS)]}@{domain}"
    if kind == "caps" and index == 0:
        return f"{_local(*name)}@{domain}"
    return f"{local}@{domain}"


def meeting_share(
    config: SandboxConfig, opened: datetime, quiet: datetime | None, traits: set[str]
) -> float:
    """The account's weight when a meeting of its time picks an account: a prospect without
    a deal gets few, a deal worked for a short while more, so every deal has several."""
    if "no_deal" in traits:
        return _NO_DEAL_SHARE
    worked_days = ((quiet or config.anchor) - opened).total_seconds() / 86400
    return 60 / max(30.0, worked_days)


def deal_window(
    rng: random.Random, config: SandboxConfig, traits: set[str]
) -> tuple[datetime, datetime | None, int]:
    """(first day worked, last day worked or None for ongoing, sales cycle in days)."""
    anchor = config.anchor
    if "stalled" in traits:
        quiet = anchor - timedelta(days=rng.uniform(24, 55))
        opened = quiet - timedelta(days=rng.uniform(30, 90))
        # A stalled deal is stuck part-way through its cycle.
        return opened, quiet, max(30, int((quiet - opened).days * rng.uniform(1.6, 3.0)))
    opened = anchor - timedelta(days=rng.uniform(35, config.span_days + 20))
    return opened, None, max(30, int((anchor - opened).days * rng.uniform(0.8, 2.0)))
