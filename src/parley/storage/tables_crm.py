"""The CRM call log: the developer's contacts and companies per account, and their matches.

Contacts and companies are keyed by (account_id, external_id): the developer's own ids.
Their emails and domains are kept twice: as given (`emails`, `domains`, JSON, for reads)
and normalised in a child table (`crm_contact_emails`, `crm_company_domains`), indexed by
(account_id, value) so a page of meetings finds its contacts in one query.

`crm_matches` holds one row per (meeting, record): the meeting's first external attendee
that matched that contact (by email) or company (by domain). It goes with its meeting
(foreign key, cascade); `announced` is True once the `crm.activity_matched` event was
written, or when it never will be (a match made by a contact upsert's backfill).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.storage.columns import utcnow
from parley.storage.tables import Base

__all__ = ["CrmCompany", "CrmCompanyDomain", "CrmContact", "CrmContactEmail", "CrmMatch"]

_ACCOUNT_FK = "integrated_accounts.id"


class CrmContact(Base):
    """A contact of the developer's CRM, loaded for one integrated account."""

    __tablename__ = "crm_contacts"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(500))
    company_external_id: Mapped[str | None] = mapped_column(String(200))
    #: The emails as given (trimmed), in order.
    emails: Mapped[list[str]]
    #: `metadata` is taken by SQLAlchemy's declarative base: the attribute is `extra`.
    extra: Mapped[dict[str, Any] | None] = mapped_column("metadata")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrmContactEmail(Base):
    """One normalised email of a contact (what attendees are matched on)."""

    __tablename__ = "crm_contact_emails"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "external_id"],
            ["crm_contacts.account_id", "crm_contacts.external_id"],
            name="fk_crm_contact_emails_contact",
            ondelete="CASCADE",
        ),
        Index("ix_crm_contact_emails_account_id_email", "account_id", "email"),
    )

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), primary_key=True)


class CrmCompany(Base):
    """A company of the developer's CRM, loaded for one integrated account."""

    __tablename__ = "crm_companies"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(500))
    #: The domains as given (normalised), in order.
    domains: Mapped[list[str]]
    extra: Mapped[dict[str, Any] | None] = mapped_column("metadata")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrmCompanyDomain(Base):
    """One normalised domain of a company (attendees match it or any subdomain of it)."""

    __tablename__ = "crm_company_domains"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "external_id"],
            ["crm_companies.account_id", "crm_companies.external_id"],
            name="fk_crm_company_domains_company",
            ondelete="CASCADE",
        ),
        Index("ix_crm_company_domains_account_id_domain", "account_id", "domain"),
    )

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)


class CrmMatch(Base):
    """A stored meeting matched to a contact (`kind` contact) or a company (`kind` company)."""

    __tablename__ = "crm_matches"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "meeting_id"],
            ["meetings.account_id", "meetings.id"],
            name="fk_crm_matches_meeting",
            ondelete="CASCADE",
        ),
        Index("ix_crm_matches_account_id_kind_external_id", "account_id", "kind", "external_id"),
    )

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: The first matching attendee: its position in the meeting's attendees, and its email.
    attendee_position: Mapped[int] = mapped_column(Integer)
    attendee_email: Mapped[str] = mapped_column(String(320))
    first_matched_at: Mapped[datetime] = mapped_column(default=utcnow)
    announced: Mapped[bool] = mapped_column(Boolean, default=False)
