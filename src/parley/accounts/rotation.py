"""Master key rotation: re-seal every stored secret (credentials, webhook signing secrets)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from parley.security import Vault
from parley.storage import Database, utcnow
from parley.storage.repositories import SEALED_TABLES, SealedRepository, SealedTable

__all__ = ["RotationResult", "key_usage", "rotate_credentials"]


@dataclass(frozen=True)
class RotationResult:
    """What a rotation did, and which keys the stored secrets still need."""

    key_id: str
    rotated: int
    #: key id -> number of sealed secrets (credentials and webhook secrets) using it, after
    in_use: dict[str, int]

    @property
    def old_keys_droppable(self) -> bool:
        """True when no stored secret needs any key but the current one."""
        return set(self.in_use) <= {self.key_id}


async def key_usage(db: Database) -> dict[str, int]:
    """How many stored secrets each master key id seals."""
    usage: Counter[str] = Counter()
    async with db.session() as session:
        for table in SEALED_TABLES:
            usage.update(await SealedRepository(session, table).count_by_key_id())
    return dict(usage)


async def rotate_credentials(
    db: Database, vault: Vault, *, batch_size: int = 100
) -> RotationResult:
    """Re-encrypt every secret not sealed with the current key (`parley secrets rotate`).

    Each batch commits on its own, so an interrupted rotation keeps its progress and can be
    re-run. A blob whose key is no longer configured stops the run with a clear error.
    """
    rotated = 0
    for table in SEALED_TABLES:
        rotated += await _rotate(db, vault, table, batch_size)
    return RotationResult(key_id=vault.current_key_id, rotated=rotated, in_use=await key_usage(db))


async def _rotate(db: Database, vault: Vault, table: SealedTable, batch_size: int) -> int:
    current = vault.current_key_id
    rotated = 0
    while True:
        async with db.session() as session:
            repository = SealedRepository(session, table)
            rows = await repository.sealed_with_other_keys(current, limit=batch_size)
            for row_id, ciphertext, _key_id in rows:
                # Already current inside (only the column lagged)? Re-label without re-sealing.
                resealed = vault.reencrypt(ciphertext, aad=row_id)
                new = resealed.ciphertext if resealed is not None else ciphertext
                # Guarded by the old blob: a concurrent change (a token rotation) wins, and its
                # new blob is already sealed with the current key.
                if await repository.replace_ciphertext(
                    row_id, old=ciphertext, new=new, key_id=current, now=utcnow()
                ):
                    rotated += 1
        if len(rows) < batch_size:
            return rotated
