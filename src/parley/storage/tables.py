"""The relational schema (SQLAlchemy 2 typed declarative); migrations mirror it exactly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from parley.storage.columns import JsonType, UtcDateTime, new_id, utcnow

__all__ = ["ApiKey", "Base", "IntegratedAccount", "LinkToken", "Tenant"]

# Stable constraint names let Alembic alter them later (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base: aware UTC datetimes and portable JSON by default."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UtcDateTime(),
        dict[str, Any]: JsonType,
        list[dict[str, Any]]: JsonType,
        list[str]: JsonType,
    }


class Tenant(Base):
    """A developer's environment: owns API keys, link tokens and integrated accounts."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A developer API key, stored as a SHA-256 hash plus a short lookup prefix."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(32), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IntegratedAccount(Base):
    """A linked provider account; its credentials are an envelope-encrypted blob."""

    __tablename__ = "integrated_accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    integration: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(32))
    credentials_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # Which master key sealed the blob: rotation finds stale rows by it without decrypting.
    key_id: Mapped[str] = mapped_column(String(32), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    remote_user: Mapped[dict[str, Any] | None]
    last_error: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_validated_at: Mapped[datetime | None]


class LinkToken(Base):
    """A single-use, expiring invitation for an end customer to link an account."""

    __tablename__ = "link_tokens"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    integration: Mapped[str] = mapped_column(String(50))
    redirect_uri: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    integrated_account_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("integrated_accounts.id", ondelete="SET NULL")
    )
