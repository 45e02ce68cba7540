"""Live credential checks: ask the provider who the token is, and classify its refusal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parley.accounts.views import AccountStatus
from parley.errors import (
    EgressRefusedError,
    InvalidRequestError,
    ProviderAuthError,
    ProviderError,
    ProviderForbiddenError,
    ProviderNotFoundError,
)
from parley.http.client import HttpOptions
from parley.providers.base import Credentials, ProviderFactory
from parley.unified import User

__all__ = ["CheckOutcome", "check_live", "rejection", "remote_user_of"]

# Answers that judge the credentials (or the host) themselves; anything else (429, 5xx,
# timeouts, garbage) says nothing about them and propagates to the caller unchanged.
_VERDICTS = (ProviderAuthError, ProviderForbiddenError, ProviderNotFoundError)


@dataclass(frozen=True)
class CheckOutcome:
    """The provider's verdict on a set of credentials."""

    remote_user: dict[str, Any] | None = None
    error: ProviderError | None = None

    @property
    def status(self) -> AccountStatus:
        """The account status this verdict implies."""
        if self.error is None:
            return AccountStatus.ACTIVE
        if isinstance(self.error, ProviderAuthError):
            return AccountStatus.NEEDS_REAUTH
        return AccountStatus.VALIDATION_ERROR

    def error_record(self, when: datetime) -> dict[str, Any] | None:
        """The `last_error` to store (None when the check passed)."""
        if self.error is None:
            return None
        return {
            "code": self.error.code,
            "message": self.error.message,
            "remote_status": self.error.remote_status,
            "occurred_at": when.isoformat(),
        }


def remote_user_of(user: User) -> dict[str, Any]:
    """The token owner's id, name and primary email, as stored on the account."""
    name = user.name or " ".join(p for p in (user.first_name, user.last_name) if p) or None
    primary = [e.email for e in user.emails if e.is_primary] or [e.email for e in user.emails]
    return {"id": user.id, "name": name, "email": primary[0] if primary else None}


async def check_live(
    factory: ProviderFactory,
    credentials: Credentials,
    *,
    base_url: str,
    limiter_key: str,
    http: HttpOptions,
) -> CheckOutcome:
    """Call the provider's `check()`; a refusal is returned, a transient failure raised.

    A destination the egress policy refuses when connecting (the host resolves to a
    private address) is 400 `egress_refused` naming `base_url`: nothing was sent.
    """
    provider = factory.connect(credentials, base_url=base_url, limiter_key=limiter_key, http=http)
    try:
        user = await provider.check()
    except _VERDICTS as exc:
        return CheckOutcome(error=exc)
    except EgressRefusedError as exc:
        raise EgressRefusedError(exc.message, param="base_url") from None
    finally:
        await provider.aclose()
    return CheckOutcome(remote_user=remote_user_of(user))


def rejection(provider_name: str, error: ProviderError) -> InvalidRequestError:
    """The 400 `validation_error` for credentials the provider refused, naming its answer."""
    status = f"HTTP {error.remote_status}" if error.remote_status else error.code
    param = "base_url" if isinstance(error, ProviderNotFoundError) else "api_token"
    return InvalidRequestError(
        f"{provider_name} refused these credentials ({status}): {error.message}",
        code="validation_error",
        param=param,
    )
