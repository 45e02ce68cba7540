"""App user mappings, and the stored directory (users, teams) a scope is resolved from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.columns import new_id, utcnow
from parley.storage.tables_scoping import UserMapping
from parley.storage.tables_store import StoredTeam, StoredUser

__all__ = ["DirectoryTeam", "DirectoryUser", "DirectoryVersion", "UserMappingRepository"]

#: What changes whenever an account's stored users or teams change: (users, latest user
#: change, teams, latest team change). A sync rewrites `updated_at` of every row it creates
#: or changes, and a deletion lowers a count.
DirectoryVersion = tuple[int, datetime | None, int, datetime | None]


@dataclass(frozen=True)
class DirectoryUser:
    """A stored provider user as scoping sees it."""

    id: str
    #: Every email of the user, lower-cased.
    emails: tuple[str, ...]
    manager_id: str | None
    team_ids: tuple[str, ...]


@dataclass(frozen=True)
class DirectoryTeam:
    """A stored provider team as scoping sees it."""

    id: str
    manager_id: str | None
    member_ids: tuple[str, ...]


def _directory_user(row: StoredUser) -> DirectoryUser:
    data = row.data
    emails = [str(e.get("email")) for e in data.get("emails") or () if isinstance(e, dict)]
    if row.email:
        emails.append(row.email)
    manager = data.get("manager_id")
    return DirectoryUser(
        id=row.id,
        emails=tuple(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip())),
        manager_id=str(manager) if manager else None,
        team_ids=tuple(str(t) for t in data.get("team_ids") or ()),
    )


def _directory_team(row: StoredTeam) -> DirectoryTeam:
    data = row.data
    manager = data.get("manager_id")
    return DirectoryTeam(
        id=row.id,
        manager_id=str(manager) if manager else None,
        member_ids=tuple(str(m) for m in data.get("member_ids") or ()),
    )


def _aware(value: Any) -> datetime | None:
    # An aggregate is not typed by the column: SQLite answers its text form.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


class UserMappingRepository:
    """User mappings of one account, inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(
        self,
        account_id: str,
        app_user_id: str,
        *,
        provider_user_id: str | None,
        email: str | None,
        role: str,
    ) -> tuple[UserMapping, bool]:
        """Create or replace the mapping; True when it was created."""
        row = await self.get(account_id, app_user_id)
        now = utcnow()
        created = row is None
        if row is None:
            row = UserMapping(
                account_id=account_id, app_user_id=app_user_id, id=new_id(), created_at=now
            )
            self._session.add(row)
        row.provider_user_id = provider_user_id
        row.email = email.strip().lower() if email else None
        row.role = role
        row.updated_at = now
        await self._session.flush()
        return row, created

    async def get_with_version(
        self, account_id: str, app_user_id: str
    ) -> tuple[UserMapping, DirectoryVersion] | None:
        """One mapping and the version of the account's stored directory, in one query."""
        u, t = StoredUser, StoredTeam

        def aggregate(column: Any, table: Any) -> Any:
            return select(column).where(table.account_id == account_id).scalar_subquery()

        statement = select(
            UserMapping,
            aggregate(func.count(), u),
            aggregate(func.max(u.updated_at), u),
            aggregate(func.count(), t),
            aggregate(func.max(t.updated_at), t),
        ).where(UserMapping.account_id == account_id, UserMapping.app_user_id == app_user_id)
        row = (await self._session.execute(statement)).first()
        if row is None:
            return None
        mapping, users, users_at, teams, teams_at = row
        return mapping, (int(users), _aware(users_at), int(teams), _aware(teams_at))

    async def get(self, account_id: str, app_user_id: str) -> UserMapping | None:
        """One mapping."""
        return await self._session.get(UserMapping, (account_id, app_user_id))

    async def page(self, account_id: str, after: str | None, limit: int) -> list[UserMapping]:
        """Up to `limit` mappings after app user id `after`, in app user id order."""
        u = UserMapping
        statement = select(u).where(u.account_id == account_id)
        if after is not None:
            statement = statement.where(u.app_user_id > after)
        return list(await self._session.scalars(statement.order_by(u.app_user_id).limit(limit)))

    async def delete(self, account_id: str, app_user_id: str) -> bool:
        """Delete the mapping; False when there was none."""
        u = UserMapping
        result = await self._session.execute(
            delete(u).where(u.account_id == account_id, u.app_user_id == app_user_id)
        )
        return bool(getattr(result, "rowcount", 0))

    # -- the stored directory ---------------------------------------------------------------

    async def users(self, account_id: str) -> list[DirectoryUser]:
        """Every stored user of the account."""
        rows = await self._session.scalars(
            select(StoredUser).where(StoredUser.account_id == account_id)
        )
        return [_directory_user(row) for row in rows]

    async def user(self, account_id: str, user_id: str) -> DirectoryUser | None:
        """One stored user."""
        row = await self._session.get(StoredUser, (account_id, user_id))
        return None if row is None else _directory_user(row)

    async def teams(self, account_id: str) -> list[DirectoryTeam]:
        """Every stored team of the account."""
        rows = await self._session.scalars(
            select(StoredTeam).where(StoredTeam.account_id == account_id)
        )
        return [_directory_team(row) for row in rows]
