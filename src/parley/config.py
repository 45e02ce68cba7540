"""Settings from PARLEY_* environment variables; built by faces and passed down."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

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
    egress_allow: str = Field(
        default="",
        description="Destinations allowed despite the egress policy (private, loopback and "
        "other non-public addresses, provider host patterns, https): comma-separated `host`, "
        "`host:port` or CIDR entries, e.g. `chorus.corp.internal,10.1.0.0/16,127.0.0.1:8300`.",
    )
    chorus_rate_limit: float = Field(
        default=10.0, description="Starting requests/second per Chorus account (adapts to 429s)."
    )
    chorus_max_rate: float | None = Field(
        default=None,
        gt=0,
        description="Hard cap, requests/second per Chorus account, across every process "
        "(unset: only the provider's 429s bound the learned rate).",
    )
    http_timeout: float = Field(default=30.0, description="Per-request timeout to providers, s.")
    http_max_attempts: int = Field(default=6, description="Attempts per provider request.")
    http_max_retry_time: float = Field(
        default=120.0, description="Total time budget for one provider request's retries, s."
    )
    link_token_ttl: int = Field(default=7 * 24 * 3600, description="Link token lifetime, s.")
    media_link_ttl: int = Field(
        default=900,
        ge=1,
        description="Lifetime of a signed media link (a meeting's `audio_recording_url` / "
        "`video_recording_url`), s; each lasts between TTL - step and TTL, step = TTL/15 "
        "capped at 60 s.",
    )
    embed_origins: str = Field(
        default="'self'",
        description="Who may frame the pages (`/app/…`): the CSP `frame-ancestors` sources, "
        "comma-separated, e.g. `'self',https://app.example.com` (`'none'`: nobody).",
    )
    page_cookie_samesite: Literal["lax", "none"] = Field(
        default="lax",
        description="SameSite of the pages' session cookie: `lax` (pages opened as a top-level "
        "window, or framed by the same site) or `none` (framed by another site, see "
        "`embed_origins`; the cookie is then always `Secure`, so serve Parley over https).",
    )
    api_rate_limit: float = Field(
        default=50.0,
        ge=0,
        description="Requests/second each API key (any bearer credential presented) may make "
        "to Parley's API, sustained; past it Parley answers 429 `rate_limited` (`0` turns the "
        "limit off). Shared by every API process in scale mode.",
    )
    api_rate_burst: int = Field(
        default=100,
        ge=1,
        description="Requests an API key may make at once, above `api_rate_limit`, before "
        "the limit applies (the token bucket's size).",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=0,
        description="Largest request body Parley accepts, bytes; a larger one is refused "
        "with 413 `payload_too_large` before it is read whole.",
    )
    sync_lookback: timedelta = Field(
        default=timedelta(days=3),
        description="How far before the last synced window an incremental sync re-reads "
        "(Chorus finishes processing calls late); an ISO 8601 duration such as `P3D`.",
    )
    sync_interval: timedelta = Field(
        default=timedelta(minutes=15),
        description="Time between scheduled syncs of an account after its first sync "
        "(ISO 8601, e.g. `PT15M`; `PT0S` turns the schedule off).",
    )
    sync_concurrency: int = Field(
        default=8,
        ge=1,
        description="Full-meeting fetches in flight per sync (the rate budget bounds the rate).",
    )
    history_retention: timedelta = Field(
        default=timedelta(days=30),
        description="How long ended sync runs and fully delivered webhook events (with their "
        "delivery log) are kept (ISO 8601, e.g. `P30D`; `PT0S` keeps them forever).",
    )
    webhook_retry_schedule: str = Field(
        default="0,5s,5m,30m,2h,5h,10h,10h",
        description="Delay before each webhook delivery attempt (comma-separated, units s/m/h/d); "
        "a delivery is marked failed after the last one.",
    )
    webhook_timeout: float = Field(default=15.0, description="Per-attempt webhook timeout, s.")
    webhook_poll_interval: float = Field(
        default=1.0, description="How often the webhook dispatcher looks for due work, s."
    )
    webhook_dispatch_in_api: bool = Field(
        default=True,
        description="Deliver webhooks from each API process (turn off when workers deliver).",
    )
    mode: Literal["embedded", "scale"] = Field(
        default="embedded",
        description="`embedded`: jobs and rate budgets in this process. `scale` (PostgreSQL "
        "only): rate budgets shared in the database, syncs run by `parley worker` processes.",
    )
    worker_heartbeat_interval: float = Field(
        default=10.0, gt=0, description="How often a `parley worker` reports it is alive, s."
    )
    worker_stalled_timeout: float = Field(
        default=30.0,
        gt=0,
        description="A worker silent this long is presumed dead; its jobs run again elsewhere, s.",
    )
    worker_shutdown_timeout: float = Field(
        default=10.0,
        ge=0,
        description="On SIGINT/SIGTERM, how long a worker lets running syncs finish before "
        "interrupting them (they resume from their checkpoint on another worker), s.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
