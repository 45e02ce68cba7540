"""Settings from PARLEY_* environment variables; built by faces and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Every setting Parley reads; each is documented in the README."""

    model_config = SettingsConfigDict(env_prefix="PARLEY_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./parley.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///… or postgresql+asyncpg://…",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Master key (urlsafe base64, 32 bytes) for credentials, cursors and "
        "signatures. If unset, a key file is generated at `key_file` (mode 0600).",
    )
    key_file: Path = Field(
        default=Path("./parley.key"), description="Where the generated key lives."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Parley's externally reachable base URL (link pages, recording links).",
    )
    chorus_base_url: str = Field(
        default="https://chorus.ai", description="Default Chorus host for new integrated accounts."
    )
    chorus_rate_limit: float = Field(
        default=10.0, description="Starting requests/second per Chorus account (adapts to 429s)."
    )
    http_timeout: float = Field(default=30.0, description="Per-request timeout to providers, s.")
    http_max_attempts: int = Field(default=6, description="Attempts per provider request.")
    http_max_retry_time: float = Field(
        default=120.0, description="Total time budget for one provider request's retries, s."
    )
    link_token_ttl: int = Field(default=7 * 24 * 3600, description="Link token lifetime, s.")
    log_level: str = Field(default="INFO", description="Python logging level.")
