"""App users, their mappings to provider users, and the scope of what each may see.

A mapping ties the developer's app user to a provider user of one integrated account, by the
provider's user id or by an email, and gives it a role (insights.md §4). Mappings are
resolved **when they are read** (each request computes its scope afresh): an email mapping
made before its user was synced resolves as soon as a sync stores that user, a user who
disappears from the provider unresolves it, and a deleted mapping sees nothing from the next
request on, whatever tokens were minted for it.

Who sees what (`scope_of`):
- `member`: the meetings their provider user owns or attends (by user id, or by one of
  their emails, case-insensitive);
- `manager`: those of themselves, of the members of the teams they manage
  (`Team.manager_id`) and of every user whose `manager_id` chain leads to them (transitive;
  a cycle in the data ends the walk). Team membership is not followed further: a member's
  own team or reports count only through the `manager_id` chain;
- `admin`: every meeting of the account;
- unmapped or unresolved: nothing (`MeetingScope.nothing`).
A private meeting is visible to its owner and admins only. The rule itself is one SQL
condition, `parley.storage.scope.visible_meetings`.
"""

from __future__ import annotations

import builtins
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from parley.errors import NotFoundError
from parley.storage import Database
from parley.storage.repositories.user_mappings import (
    DirectoryTeam,
    DirectoryUser,
    UserMappingRepository,
)
from parley.storage.scope import MeetingScope
from parley.storage.tables_scoping import UserMapping

__all__ = [
    "BatchRow",
    "MappingView",
    "Role",
    "Scoping",
    "reports_of",
    "scope_of",
]


class Role(StrEnum):
    MEMBER = "member"
    MANAGER = "manager"
    ADMIN = "admin"


class MappingView(BaseModel):
    """A mapping as the API answers it; `resolved`: its provider user is in the synced copy."""

    app_user_id: str
    integrated_account_id: str
    provider_user_id: str | None
    email: str | None
    role: Role
    resolved: bool


@dataclass(frozen=True)
class BatchRow:
    """One row of a batch upsert (already validated)."""

    app_user_id: str
    email: str
    role: Role


def reports_of(
    user_id: str, users: Sequence[DirectoryUser], teams: Iterable[DirectoryTeam]
) -> set[str]:
    """Everyone a manager sees the meetings of (never `user_id` itself): the users whose
    `manager_id` chain leads to them (transitive; a cycle ends the walk) and the members of
    the teams they manage (a team's `member_ids` and the users listing it in `team_ids`)."""
    direct: dict[str, set[str]] = {}
    for user in users:
        if user.manager_id:
            direct.setdefault(user.manager_id, set()).add(user.id)
    found = {user_id}
    frontier = [user_id]
    while frontier:
        for report in direct.get(frontier.pop(), ()):
            if report not in found:  # a cycle in the data stops here
                found.add(report)
                frontier.append(report)
    managed = {team.id for team in teams if team.manager_id == user_id}
    for team in teams:
        if team.id in managed:
            found.update(team.member_ids)
    found.update(user.id for user in users if managed.intersection(user.team_ids))
    found.discard(user_id)
    return found


def scope_of(
    account_id: str,
    app_user_id: str,
    role: Role,
    user: DirectoryUser | None,
    users: list[DirectoryUser],
    teams: list[DirectoryTeam],
) -> MeetingScope:
    """The scope of an app user resolved to `user` (None: unresolved, nothing)."""
    if user is None:
        return MeetingScope.nothing(account_id, app_user_id)
    if role is Role.ADMIN:
        return MeetingScope(account_id, app_user_id, user.id, everything=True)
    people = {user.id}
    if role is Role.MANAGER:
        people |= reports_of(user.id, users, teams)
    by_id: Mapping[str, DirectoryUser] = {u.id: u for u in users}
    emails = set(user.emails)
    for person in people:
        if (found := by_id.get(person)) is not None:
            emails.update(found.emails)
    return MeetingScope(
        account_id, app_user_id, user.id, user_ids=frozenset(people), emails=frozenset(emails)
    )


def _not_found(app_user_id: str) -> NotFoundError:
    return NotFoundError(
        f"No user mapping {app_user_id!r} in this integrated account.",
        code="user_mapping_not_found",
    )


class Scoping:
    """User mappings of an account and the scope each resolves to.

    A scope is resolved on every call, in one query: the mapping itself (so a deleted or
    changed mapping takes effect at once) and the version of the stored directory. The
    reports walk is only redone when either changed (`_cache`, per process).
    """

    def __init__(self, db: Database, *, cache_size: int = 1024) -> None:
        self._db = db
        self._cache: OrderedDict[tuple[str, str], tuple[object, MeetingScope]] = OrderedDict()
        self._cache_size = cache_size

    async def put(
        self,
        account_id: str,
        app_user_id: str,
        *,
        provider_user_id: str | None,
        email: str | None,
        role: Role,
    ) -> tuple[MappingView, bool]:
        """Create or replace a mapping; True when created."""
        async with self._db.session() as session:
            repository = UserMappingRepository(session)
            row, created = await repository.put(
                account_id,
                app_user_id,
                provider_user_id=provider_user_id,
                email=email,
                role=role.value,
            )
            user = await _resolve(repository, row)
            return _view(row, user), created

    async def put_batch(
        self, account_id: str, rows: list[BatchRow]
    ) -> list[tuple[MappingView, bool]]:
        """Create or replace mappings by email, each resolved against the stored users."""
        async with self._db.session() as session:
            repository = UserMappingRepository(session)
            users = await repository.users(account_id)
            answers = []
            for row in rows:
                stored, created = await repository.put(
                    account_id,
                    row.app_user_id,
                    provider_user_id=None,
                    email=row.email,
                    role=row.role.value,
                )
                answers.append((_view(stored, _find(users, stored)), created))
            return answers

    async def get(self, account_id: str, app_user_id: str) -> MappingView:
        """One mapping (404 `user_mapping_not_found`)."""
        async with self._db.session() as session:
            repository = UserMappingRepository(session)
            row = await repository.get(account_id, app_user_id)
            if row is None:
                raise _not_found(app_user_id)
            return _view(row, await _resolve(repository, row))

    async def page(
        self, account_id: str, after: str | None, limit: int
    ) -> tuple[builtins.list[MappingView], bool]:
        """Up to `limit` mappings after app user id `after`; True when more follow."""
        async with self._db.session() as session:
            repository = UserMappingRepository(session)
            rows = await repository.page(account_id, after, limit + 1)
            users = await repository.users(account_id) if rows else []
        views = [_view(row, _find(users, row)) for row in rows[:limit]]
        return views, len(rows) > limit

    async def delete(self, account_id: str, app_user_id: str) -> None:
        """Delete a mapping (404 when there is none): its tokens see nothing from now on."""
        async with self._db.session() as session:
            if not await UserMappingRepository(session).delete(account_id, app_user_id):
                raise _not_found(app_user_id)

    async def mapping_id(self, account_id: str, app_user_id: str) -> str:
        """The id of the mapping's current incarnation (404 when unmapped)."""
        async with self._db.session() as session:
            row = await UserMappingRepository(session).get(account_id, app_user_id)
            if row is None:
                raise _not_found(app_user_id)
            return row.id

    async def scope(
        self, account_id: str, app_user_id: str, *, mapping_id: str | None = None
    ) -> MeetingScope:
        """What this app user may see now; `mapping_id`: only while the mapping is that one
        (a scoped token's), else nothing."""
        async with self._db.session() as session:
            repository = UserMappingRepository(session)
            found = await repository.get_with_version(account_id, app_user_id)
            if found is None or (mapping_id is not None and found[0].id != mapping_id):
                return MeetingScope.nothing(account_id, app_user_id)
            row, directory = found
            key = (account_id, app_user_id)
            version = (row.id, row.role, row.provider_user_id, row.email, directory)
            cached = self._cache.get(key)
            if cached is not None and cached[0] == version:
                self._cache.move_to_end(key)
                return cached[1]
            scope = await self._resolve_scope(repository, row)
        self._cache[key] = (version, scope)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return scope

    @staticmethod
    async def _resolve_scope(repository: UserMappingRepository, row: UserMapping) -> MeetingScope:
        account_id, role = row.account_id, Role(row.role)
        if role is Role.MANAGER or row.provider_user_id is None:
            # One read of the directory resolves the user and (a manager's) reports.
            users = await repository.users(account_id)
            user = _find(users, row)
        else:
            one = await repository.user(account_id, row.provider_user_id)
            user, users = one, [] if one is None else [one]
        teams = await repository.teams(account_id) if role is Role.MANAGER else []
        return scope_of(account_id, row.app_user_id, role, user, users, teams)


def _find(users: Sequence[DirectoryUser], row: UserMapping) -> DirectoryUser | None:
    """The user among `users` a mapping stands for: by provider user id, else by email
    (the lowest id among users sharing it)."""
    if row.provider_user_id:
        return next((u for u in users if u.id == row.provider_user_id), None)
    if row.email:
        having = [u for u in users if row.email in u.emails]
        return min(having, key=lambda u: u.id) if having else None
    return None


async def _resolve(repository: UserMappingRepository, row: UserMapping) -> DirectoryUser | None:
    """The stored user a mapping stands for, if synced: by provider user id, else by email."""
    if row.provider_user_id:
        return await repository.user(row.account_id, row.provider_user_id)
    return _find(await repository.users(row.account_id), row) if row.email else None


def _view(row: UserMapping, user: DirectoryUser | None) -> MappingView:
    return MappingView(
        app_user_id=row.app_user_id,
        integrated_account_id=row.account_id,
        provider_user_id=user.id if user is not None else row.provider_user_id,
        email=row.email or (user.emails[0] if user is not None and user.emails else None),
        role=Role(row.role),
        resolved=user is not None,
    )
