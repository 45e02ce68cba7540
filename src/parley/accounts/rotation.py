"""Master key rotation: re-seal every stored credential with the current (first) key."""

from __future__ import annotations

from dataclasses import dataclass

from parley.security import Vault
from parley.storage import Database, IntegratedAccountRepository, utcnow

__all__ = ["RotationResult", "key_usage", "rotate_credentials"]


@dataclass(frozen=True)
class RotationResult:
    """What a rotation did, and which keys the stored credentials still need."""

    key_id: str
    rotated: int
    #: key id -> number of accounts sealed with it, after the rotation
    in_use: dict[str, int]

    @property
    def old_keys_droppable(self) -> bool:
        """True when no credential needs any key but the current one."""
        return set(self.in_use) <= {self.key_id}


async def key_usage(db: Database) -> dict[str, int]:
    """How many accounts each master key id seals."""
    async with db.session() as session:
        return await IntegratedAccountRepository(session).count_by_key_id()


async def rotate_credentials(
    db: Database, vault: Vault, *, batch_size: int = 100
) -> RotationResult:
    """Re-encrypt every credential not sealed with the current key (`parley secrets rotate`).

    Each batch commits on its own, so an interrupted rotation keeps its progress and can be
    re-run. A blob whose key is no longer configured stops the run with a clear error.
    """
    current = vault.current_key_id
    rotated = 0
    while True:
        async with db.session() as session:
            repository = IntegratedAccountRepository(session)
            rows = await repository.sealed_with_other_keys(current, limit=batch_size)
            for account_id, ciphertext, _key_id in rows:
                # Already current inside (only the column lagged)? Re-label without re-sealing.
                resealed = vault.reencrypt(ciphertext, aad=account_id)
                new = resealed.ciphertext if resealed is not None else ciphertext
                # Guarded by the old blob: a concurrent token rotation wins, and its new blob
                # is already sealed with the current key.
                if await repository.replace_ciphertext(
                    account_id, old=ciphertext, new=new, key_id=current, now=utcnow()
                ):
                    rotated += 1
        if len(rows) < batch_size:
            break
    return RotationResult(key_id=current, rotated=rotated, in_use=await key_usage(db))
