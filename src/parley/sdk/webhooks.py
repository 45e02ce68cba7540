"""Check a webhook delivery from Parley (Standard Webhooks), with the standard library only.

    from parley.sdk import webhooks

    event = webhooks.verify(request.body, request.headers, secret)   # raises if forged

A delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64-decoded secret
after its `whsec_` prefix; several space-separated signatures are allowed, one valid one
is enough). A timestamp further than `tolerance` seconds from now (either way) is refused,
so a captured delivery cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from parley.errors import AuthenticationError

__all__ = ["DEFAULT_TOLERANCE", "WebhookVerificationError", "sign", "verify"]

#: Seconds a delivery's timestamp may be from the receiver's clock (Standard Webhooks: 5 min).
DEFAULT_TOLERANCE = 300.0
_PREFIX = "whsec_"


class WebhookVerificationError(AuthenticationError):
    """A delivery that is not Parley's as sent: answer it 401 and drop it."""

    default_code: ClassVar[str] = "webhook_verification_failed"


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is `whsec_` followed by base64") from None


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,…` signature Parley sends for this id, timestamp and body."""
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """The delivery's JSON payload (`{"type", "timestamp", "data"}`) once its signature and
    timestamp check out; `WebhookVerificationError` otherwise. `headers` may be any mapping
    (names are matched case-insensitively); `body` must be the raw bytes received."""
    raw = body.encode() if isinstance(body, str) else bytes(body)
    lower = {k.lower(): v for k, v in headers.items()}
    message_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not message_id or not stamp or not signatures:
        raise WebhookVerificationError(
            "The webhook-id, -timestamp or -signature header is missing."
        )
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("The webhook-timestamp header is not a number.") from None
    if abs(now() - timestamp) > tolerance:
        raise WebhookVerificationError("The webhook-timestamp is too old or too new.")
    expected = sign(secret, message_id, timestamp, raw).encode()
    for candidate in signatures.split():
        if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode(), expected):
            break
    else:
        raise WebhookVerificationError("No webhook-signature matches the body.")
    try:
        payload = json.loads(raw)
    except ValueError:
        raise WebhookVerificationError("The body is not JSON.") from None
    if not isinstance(payload, dict):
        raise WebhookVerificationError("The body is not a JSON object.")
    return payload
