"""Typed identifiers shared by every layer."""

from __future__ import annotations

from typing import NewType

__all__ = [
    "IntegratedAccountId",
    "MeetingId",
    "TeamId",
    "TenantId",
    "UserId",
]

TenantId = NewType("TenantId", str)
IntegratedAccountId = NewType("IntegratedAccountId", str)
MeetingId = NewType("MeetingId", str)
UserId = NewType("UserId", str)
TeamId = NewType("TeamId", str)
