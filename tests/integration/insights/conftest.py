"""CRM fixtures: the call-log service over the test database, and an account to load."""

from __future__ import annotations

import pytest
from crm_seed import add_account

from parley.insights.contacts import CrmService
from parley.security import Vault
from parley.storage import Database


@pytest.fixture
async def account(database: Database) -> tuple[str, str]:
    """(tenant id, account id) of tenant `acme` with an empty synced copy."""
    return await add_account(database)


@pytest.fixture
def crm(database: Database, vault: Vault) -> CrmService:
    """The CRM service over the test database; links under http://parley.test."""
    return CrmService(database, vault.signer(b"crm-cursor"), public_url="http://parley.test")
