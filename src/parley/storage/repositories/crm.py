"""CRM records: the developer's contacts and companies per integrated account.

A record is one row plus its normalised keys (a contact's emails, a company's domains) in a
child table; `RecordKind` names the pair, so contacts and companies share every query.
Matches to stored meetings are in `crm_matches.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.tables import IntegratedAccount
from parley.storage.tables_crm import (
    CrmCompany,
    CrmCompanyDomain,
    CrmContact,
    CrmContactEmail,
    CrmMatch,
)

__all__ = ["COMPANIES", "CONTACTS", "CrmRepository", "RecordKind", "chunks"]

_CHUNK = 500


@dataclass(frozen=True)
class RecordKind:
    """Contacts or companies: the record table, its key table and the key column."""

    name: Literal["contact", "company"]
    record: type[CrmContact] | type[CrmCompany]
    keys: Table
    key_column: str


CONTACTS = RecordKind("contact", CrmContact, cast(Table, CrmContactEmail.__table__), "email")
COMPANIES = RecordKind("company", CrmCompany, cast(Table, CrmCompanyDomain.__table__), "domain")
_MATCHES = cast(Table, CrmMatch.__table__)


def chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    """`items` in slices that keep a statement's bound parameters well under the limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class CrmRepository:
    """CRM rows of one session's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def account_tenant(self, account_id: str) -> str | None:
        """The tenant owning the integrated account (None when there is no such account)."""
        return await self._session.scalar(
            select(IntegratedAccount.tenant_id).where(IntegratedAccount.id == account_id)
        )

    # -- records ------------------------------------------------------------------------

    async def record(
        self, kind: RecordKind, account_id: str, external_id: str
    ) -> CrmContact | CrmCompany | None:
        """One contact or company."""
        return await self._session.get(kind.record, (account_id, external_id))

    async def keys_of(
        self, kind: RecordKind, account_id: str, external_ids: Iterable[str]
    ) -> list[str]:
        """The normalised emails (domains) of these records."""
        column = kind.keys.c[kind.key_column]
        found: list[str] = []
        for chunk in chunks(list(dict.fromkeys(external_ids))):
            result = await self._session.execute(
                select(column).where(
                    kind.keys.c.account_id == account_id, kind.keys.c.external_id.in_(chunk)
                )
            )
            found += result.scalars()
        return found

    async def upsert_many(
        self,
        kind: RecordKind,
        account_id: str,
        rows: Sequence[tuple[str, dict[str, Any], Sequence[str]]],
        now: datetime,
    ) -> list[bool]:
        """Create or replace `(external_id, columns, keys)` records (a later row of the same
        id replaces an earlier one); per row, whether it created its record."""
        table = cast(Table, kind.record.__table__)
        final = {external_id: (values, keys) for external_id, values, keys in rows}
        existing: set[str] = set()
        for chunk in chunks(list(final)):
            result = await self._session.execute(
                select(table.c.external_id).where(
                    table.c.account_id == account_id, table.c.external_id.in_(chunk)
                )
            )
            existing.update(result.scalars())
        created: list[bool] = []
        seen: set[str] = set()
        for external_id, _, _ in rows:
            created.append(external_id not in existing and external_id not in seen)
            seen.add(external_id)
        fresh = [
            {"account_id": account_id, "external_id": e, **v, "created_at": now, "updated_at": now}
            for e, (v, _) in final.items()
            if e not in existing
        ]
        for chunk in chunks(fresh):
            await self._session.execute(insert(table), list(chunk))
        changed = [
            {"b_account_id": account_id, "b_external_id": e, **v, "updated_at": now}
            for e, (v, _) in final.items()
            if e in existing
        ]
        if changed:
            statement = update(table).where(
                table.c.account_id == bindparam("b_account_id"),
                table.c.external_id == bindparam("b_external_id"),
            )
            await self._session.execute(statement, changed)
        for chunk in chunks(sorted(existing)):
            await self._session.execute(
                delete(kind.keys).where(
                    kind.keys.c.account_id == account_id, kind.keys.c.external_id.in_(chunk)
                )
            )
        key_rows = [
            {"account_id": account_id, "external_id": e, kind.key_column: key}
            for e, (_, keys) in final.items()
            for key in dict.fromkeys(keys)
        ]
        for chunk in chunks(key_rows):
            await self._session.execute(insert(kind.keys), list(chunk))
        return created

    async def delete(self, kind: RecordKind, account_id: str, external_id: str) -> bool:
        """Delete a record, its keys and its matches; whether it existed."""
        row = await self.record(kind, account_id, external_id)
        if row is None:
            return False
        where = (kind.keys.c.account_id == account_id, kind.keys.c.external_id == external_id)
        await self._session.execute(delete(kind.keys).where(*where))
        await self._session.execute(
            delete(_MATCHES).where(
                _MATCHES.c.account_id == account_id,
                _MATCHES.c.kind == kind.name,
                _MATCHES.c.external_id == external_id,
            )
        )
        await self._session.delete(row)
        return True

    async def records(
        self,
        kind: RecordKind,
        account_id: str,
        *,
        key: str | None,
        after_id: str | None,
        limit: int,
    ) -> list[CrmContact | CrmCompany]:
        """Up to `limit` records after `after_id` (external id order), with `key` if given."""
        record = kind.record
        statement = select(record).where(record.account_id == account_id)
        if key is not None:
            statement = statement.where(
                record.external_id.in_(
                    select(kind.keys.c.external_id).where(
                        kind.keys.c.account_id == account_id, kind.keys.c[kind.key_column] == key
                    )
                )
            )
        if after_id is not None:
            statement = statement.where(record.external_id > after_id)
        rows = await self._session.scalars(statement.order_by(record.external_id).limit(limit))
        return [cast(CrmContact | CrmCompany, row) for row in rows]

    async def owners_of(
        self, kind: RecordKind, account_id: str, keys: Iterable[str]
    ) -> list[tuple[str, str]]:
        """(external id, key) of the records holding any of these normalised keys."""
        found: list[tuple[str, str]] = []
        column = kind.keys.c[kind.key_column]
        for chunk in chunks(sorted(set(keys))):
            result = await self._session.execute(
                select(kind.keys.c.external_id, column).where(
                    kind.keys.c.account_id == account_id, column.in_(chunk)
                )
            )
            found += [(str(e), str(k)) for e, k in result]
        return found

    async def all_keys(self, kind: RecordKind, account_id: str) -> list[tuple[str, str]]:
        """(external id, key) of every record of the account."""
        column = kind.keys.c[kind.key_column]
        result = await self._session.execute(
            select(kind.keys.c.external_id, column).where(kind.keys.c.account_id == account_id)
        )
        return [(str(e), str(k)) for e, k in result]
