"""App users mapped to provider users: who a scoped read acts as (insights.md §4).

One row per (integrated account, app user id): the developer's own user, the provider user
it stands for (by id, or by an email resolved against the stored users when it is read) and
its role. `id` changes when a mapping is deleted and created again, so a scoped token minted
for the old mapping never acts for the new one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.storage.columns import new_id, utcnow
from parley.storage.tables import Base

__all__ = ["UserMapping"]


class UserMapping(Base):
    """An app user of one integrated account, the provider user it is and its role."""

    __tablename__ = "user_mappings"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("integrated_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    app_user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: A fresh id per creation (a PUT that replaces keeps it; DELETE then PUT does not).
    id: Mapped[str] = mapped_column(String(36), default=new_id)
    provider_user_id: Mapped[str | None] = mapped_column(String(200))
    #: Lower-cased; matched against the stored users' emails when the mapping is read.
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
