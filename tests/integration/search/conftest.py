"""Search and stored-read fixtures: the store, the reader and the search over the test database."""

from __future__ import annotations

import pytest
from search_seed import PLAY, add_account

from parley.insights import TranscriptSearch
from parley.reads.cursor import CursorCodec
from parley.reads.store import StoreReader
from parley.security import Vault
from parley.storage import Database


@pytest.fixture
async def account(database: Database) -> str:
    """An integrated account of tenant `acme` with an empty synced copy."""
    return await add_account(database)


@pytest.fixture
def search(database: Database) -> TranscriptSearch:
    """Transcript search over the test database, with recognisable playback links."""
    return TranscriptSearch(
        database, playback=lambda account, meeting, kind, who: f"{PLAY}/{meeting}?kind={kind}"
    )


@pytest.fixture
def reader(database: Database, vault: Vault) -> StoreReader:
    """Stored reads over the test database."""
    return StoreReader(database, CursorCodec(vault.signer(b"cursor")))
