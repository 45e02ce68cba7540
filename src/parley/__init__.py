"""Parley: a self-hosted unified Conversational Intelligence API."""

from __future__ import annotations

__all__: list[str] = []
__version__ = "0.1.0"
