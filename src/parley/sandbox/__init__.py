"""A local simulator of the Chorus API: seeded synthetic calls, real HTTP, injectable faults.

It stands alone like the real service (imports nothing of Parley but `parley.config`) and
is both the demo's data source and the connector's test double.
"""

from __future__ import annotations

from parley.sandbox.app import build_app, create_app
from parley.sandbox.config import FaultConfig, QuirkConfig, SandboxConfig, default_token
from parley.sandbox.server import SandboxServer

__all__ = [
    "FaultConfig",
    "QuirkConfig",
    "SandboxConfig",
    "SandboxServer",
    "build_app",
    "create_app",
    "default_token",
]
