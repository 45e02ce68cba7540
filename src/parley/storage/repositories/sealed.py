"""Vault-sealed blobs of any table (credentials, webhook secrets): what key rotation needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from parley.storage.db import rowcount
from parley.storage.tables import IntegratedAccount
from parley.storage.tables_events import WebhookSubscription

__all__ = ["SEALED_TABLES", "SealedRepository", "SealedRow", "SealedTable"]

#: (row id, ciphertext, key id): what rotation needs, without the rest of the row.
SealedRow = tuple[str, bytes, str]
SealedTable = type[IntegratedAccount] | type[WebhookSubscription]
#: Every table holding a vault-sealed blob (sealed with the row id as associated data).
SEALED_TABLES: tuple[SealedTable, ...] = (IntegratedAccount, WebhookSubscription)


def _blob(model: SealedTable) -> InstrumentedAttribute[bytes]:
    if model is IntegratedAccount:
        return IntegratedAccount.credentials_ciphertext
    return WebhookSubscription.secret_ciphertext


class SealedRepository:
    """The sealed blobs of one table, inside one session."""

    def __init__(self, session: AsyncSession, model: SealedTable) -> None:
        self._session = session
        self._model = model
        self._blob = _blob(model)

    async def sealed_with_other_keys(self, key_id: str, *, limit: int) -> list[SealedRow]:
        """Up to `limit` rows whose blob is not sealed with `key_id`."""
        model = self._model
        rows = await self._session.execute(
            select(model.id, self._blob, model.key_id)
            .where(model.key_id != key_id)
            .order_by(model.id)
            .limit(limit)
        )
        return [(row_id, blob, key) for row_id, blob, key in rows]

    async def count_by_key_id(self) -> dict[str, int]:
        """How many rows each master key id seals."""
        model = self._model
        rows = await self._session.execute(
            select(model.key_id, func.count()).group_by(model.key_id)
        )
        return dict(rows.all())

    async def replace_ciphertext(
        self, row_id: str, *, old: bytes, new: bytes, key_id: str, now: datetime
    ) -> bool:
        """Swap the blob only if it is still `old`; False when someone changed it meanwhile."""
        model = self._model
        values: dict[str, Any] = {self._blob.key: new, "key_id": key_id}
        if model is IntegratedAccount:
            values["updated_at"] = now
        result = await self._session.execute(
            update(model).where(model.id == row_id, self._blob == old).values(**values)
        )
        return rowcount(result) == 1
