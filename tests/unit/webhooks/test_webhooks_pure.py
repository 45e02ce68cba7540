"""The pure parts of webhooks: the retry schedule and the Standard Webhooks signature."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from parley.config import Settings
from parley.errors import ParleyError
from parley.webhooks.schedule import next_attempt_at, parse_schedule
from parley.webhooks.signature import generate_secret, sign, signed_headers

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_the_default_schedule_is_the_standard_webhooks_one() -> None:
    schedule = parse_schedule(Settings.model_fields["webhook_retry_schedule"].default)

    assert schedule == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)


def test_delays_take_units_and_bare_seconds() -> None:
    assert parse_schedule(" 0, 0.5 , 2m,1h , 1d") == (0, 0.5, 120, 3600, 86400)


@pytest.mark.parametrize("text", ["", "5x", "1,,2", "-1", "soon"])
def test_a_malformed_schedule_is_refused_naming_the_setting(text: str) -> None:
    with pytest.raises(ParleyError) as caught:
        parse_schedule(text)
    assert "PARLEY_WEBHOOK_RETRY_SCHEDULE" in caught.value.message


def test_each_failure_waits_the_next_delay_until_the_schedule_is_spent() -> None:
    schedule = (0.0, 5.0, 300.0)

    assert next_attempt_at(schedule, 1, NOW) == NOW + timedelta(seconds=5)
    assert next_attempt_at(schedule, 2, NOW) == NOW + timedelta(minutes=5)
    assert next_attempt_at(schedule, 3, NOW) is None


def test_secrets_are_32_random_bytes_in_base64() -> None:
    first, second = generate_secret(), generate_secret()

    assert first != second
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


def test_the_signature_matches_the_reference_implementation() -> None:
    secret = generate_secret()
    body = b'{"type":"meeting.created","data":{"id":"m-1","title":"caf\xc3\xa9"}}'

    ours = sign(secret, "msg_1", int(NOW.timestamp()), body)

    assert ours == Webhook(secret).sign("msg_1", NOW, body.decode())


def test_signed_headers_verify_with_the_reference_implementation() -> None:
    secret = generate_secret()
    body = b'{"type":"webhook.test","data":{}}'
    headers = signed_headers(secret, "msg_2", datetime.now(UTC), body)

    assert Webhook(secret).verify(body, headers) == {"type": "webhook.test", "data": {}}
    assert headers["webhook-id"] == "msg_2"
