"""`parley.sdk.webhooks.verify`: the sender's own signature passes; anything altered fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from parley.sdk import WebhookVerificationError, webhooks
from parley.webhooks.signature import generate_secret, signed_headers

AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
BODY = json.dumps({"type": "meeting.created", "timestamp": "2026-12-03T10:00:00Z", "data": {}})


def _delivery() -> tuple[str, bytes, dict[str, str]]:
    secret = generate_secret()
    body = BODY.encode()
    return secret, body, signed_headers(secret, "msg_1", AT, body)


def _now(offset: float = 0.0) -> float:
    return AT.timestamp() + offset


def test_the_senders_signature_verifies() -> None:
    secret, body, headers = _delivery()
    assert webhooks.sign(secret, "msg_1", int(AT.timestamp()), body) == headers["webhook-signature"]
    payload = webhooks.verify(body, headers, secret, now=_now)
    assert payload["type"] == "meeting.created"
    upper = {k.upper(): v for k, v in headers.items()}
    assert webhooks.verify(body.decode(), upper, secret, now=_now) == payload


def test_one_valid_signature_among_several_is_enough() -> None:
    secret, body, headers = _delivery()
    headers["webhook-signature"] = "v1,bm9wZQ== " + headers["webhook-signature"]
    assert webhooks.verify(body, headers, secret, now=_now)["type"] == "meeting.created"


@pytest.mark.parametrize("offset", [-301.0, 301.0, 3600.0])
def test_a_timestamp_out_of_tolerance_is_refused(offset: float) -> None:
    secret, body, headers = _delivery()
    with pytest.raises(WebhookVerificationError, match="timestamp"):
        webhooks.verify(body, headers, secret, now=lambda: _now(offset))
    assert webhooks.verify(body, headers, secret, now=lambda: _now(offset), tolerance=4000)


def test_altered_deliveries_are_refused() -> None:
    secret, body, headers = _delivery()
    cases = [
        (body + b" ", headers, secret),
        (body, {**headers, "webhook-id": "msg_2"}, secret),
        (body, {**headers, "webhook-signature": "v2," + headers["webhook-signature"][3:]}, secret),
        (body, headers, generate_secret()),
        (body, {k: v for k, v in headers.items() if k != "webhook-signature"}, secret),
        (body, {**headers, "webhook-timestamp": "yesterday"}, secret),
    ]
    for raw, given, key in cases:
        with pytest.raises(WebhookVerificationError) as caught:
            webhooks.verify(raw, given, key, now=_now)
        assert (caught.value.status, caught.value.code) == (401, "webhook_verification_failed")


def test_a_secret_that_is_not_base64_is_a_value_error() -> None:
    _, body, headers = _delivery()
    with pytest.raises(ValueError, match="whsec_"):
        webhooks.verify(body, headers, "whsec_***", now=_now)
