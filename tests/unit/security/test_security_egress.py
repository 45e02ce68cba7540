"""The egress policy on its own: refused forms, the allowlist, and per-connection vetting.

Connections are real: listeners on 127.0.0.1 and ::1 count what they accept. Names resolve
through an injected resolver; nothing here sends traffic outside loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Sequence

import httpx
import pytest

from egress_support import Dns, Listener, RecordingConnector, loopback_v4, loopback_v6  # noqa: F401 (fixtures v4, v6)
from parley.cli.demo import demo_settings
from parley.config import Settings
from parley.errors import EgressRefusedError
from parley.http import HttpOptions, ResilientClient, RetryPolicy, TokenBucketLimiter
from parley.security.egress import (
    WEBHOOK_RULE,
    Allowlist,
    EgressPolicy,
    HostRule,
    address_rule,
    parse_address,
)

CHORUS = HostRule(owner="Chorus", patterns=("chorus.ai", "*.chorus.ai"))


REFUSED = [
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
    ("http://127.0.0.1:8080/", "127.0.0.1 is a loopback address"),
    ("https://10.0.0.5/", "10.0.0.5 is a private address"),
    ("https://172.16.3.4/", "a private address"),
    ("https://192.168.1.1/", "a private address"),
    ("http://[::1]:8080/", "::1 is a loopback address"),
    ("https://[fe80::1]/", "a link-local address"),
    ("https://100.64.0.1/", "a shared (carrier-grade NAT) address"),
    ("https://[fd12::1]/", "a unique-local address"),
    ("https://224.0.0.1/", "a multicast address"),
    ("https://255.255.255.255/", "a broadcast address"),
    ("https://0.0.0.0/", "an unspecified address"),
    ("https://[::]/", "an unspecified address"),
    ("http://0x7f000001/", "0x7f000001 (127.0.0.1) is a loopback address"),
    ("http://2130706433/", "2130706433 (127.0.0.1) is a loopback address"),
    ("http://0177.0.0.1/", "0177.0.0.1 (127.0.0.1) is a loopback address"),
    ("http://127.1/", "127.1 (127.0.0.1) is a loopback address"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 (127.0.0.1) is a loopback address"),
    ("https://[::ffff:a9fe:a9fe]/", "(169.254.169.254) is a link-local address"),
    ("https://[::10.0.0.5]/", "(10.0.0.5) is a private address"),
    ("https://[64:ff9b::a00:5]/", "(10.0.0.5) is a private address"),
    ("https://[2002:a00:5::]/", "(10.0.0.5) is a private address"),
    ("http://chorus.ai/", "http://chorus.ai is refused: it needs https"),
    ("https://chorus.ai.evil.com/", "is not a Chorus host (chorus.ai, *.chorus.ai)"),
    ("https://evilchorus.ai/", "is not a Chorus host"),
]


@pytest.mark.parametrize(("url", "rule"), REFUSED)
def test_each_refused_form_names_the_url_and_the_rule(url: str, rule: str) -> None:
    with pytest.raises(EgressRefusedError) as caught:
        EgressPolicy().check_url(url, CHORUS, param="base_url")

    error = caught.value
    assert (error.status, error.code, error.param) == (400, "egress_refused", "base_url")
    assert rule in error.message
    assert error.message.startswith(url.split("/")[0] + "//")


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.com\\.chorus.ai",
        "https://evil.com .chorus.ai",
        "https://evil.com%2f.chorus.ai",
        "https://evil.com%00.chorus.ai",
        "https:///chorus.ai",
        "ftp://chorus.ai",
        "https://chorus.ai:99999",
    ],
)
def test_a_host_parsers_could_read_differently_is_refused(url: str) -> None:
    with pytest.raises(EgressRefusedError, match="This URL is refused"):
        EgressPolicy().check_url(url, CHORUS)


def test_an_international_name_is_matched_as_punycode() -> None:
    policy = EgressPolicy()
    policy.check_url("https://bücher.chorus.ai", CHORUS)
    with pytest.raises(
        EgressRefusedError, match=re.escape("xn--chrus-kua.ai is not a Chorus host")
    ):
        policy.check_url("https://chörus.ai", CHORUS)


def test_a_refusal_never_repeats_credentials_path_or_query() -> None:
    with pytest.raises(EgressRefusedError) as caught:
        EgressPolicy().check_url("https://user:hunter2@10.0.0.5:8443/p/s3cret?token=t0k")
    assert (
        caught.value.message == "https://10.0.0.5:8443 is refused: 10.0.0.5 is a private address."
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://chorus.ai",
        "https://eu.chorus.ai/",
        "https://a.b.chorus.ai:8443",
        "https://CHORUS.AI.",
    ],
)
def test_chorus_hosts_over_https_pass(url: str) -> None:
    EgressPolicy().check_url(url, CHORUS)


def test_webhooks_take_any_public_host_over_https_only() -> None:
    policy = EgressPolicy()
    policy.check_url("https://hooks.example.com/in", WEBHOOK_RULE)
    policy.check_url("https://93.184.216.34/in", WEBHOOK_RULE)
    with pytest.raises(EgressRefusedError, match="needs https"):
        policy.check_url("http://hooks.example.com/in", WEBHOOK_RULE)


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("chorus.ai", None),
        ("1.2.3.4.5", None),
        ("0x7g.0.0.1", None),
    ],
)
def test_numeric_spellings_are_addresses(spelling: str, address: str | None) -> None:
    parsed = parse_address(spelling)
    assert (str(parsed) if parsed else None) == address


def test_public_addresses_pass() -> None:
    for text in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34"):
        assert address_rule(ipaddress.ip_address(text)) is None


# -- the allowlist ---------------------------------------------------------------------


def test_the_allowlist_lets_exactly_its_entries_through() -> None:
    policy = EgressPolicy(
        "sandbox.internal, gw.internal:8443, 10.1.0.0/16, 127.0.0.1:8300, [::1]:9000"
    )

    for allowed in (
        "http://sandbox.internal",  # any port, any scheme, not a Chorus host
        "http://sandbox.internal:1234/x",
        "https://gw.internal:8443",
        "http://10.1.2.3:5000",
        "http://127.0.0.1:8300",
        "http://[::1]:9000",
        "http://[::ffff:127.0.0.1]:8300",  # the same address, spelled as IPv6
    ):
        policy.check_url(allowed, CHORUS)

    for refused in (
        "https://gw.internal:8444",  # neighbouring port
        "https://other.internal",  # neighbouring name
        "https://sub.sandbox.internal",  # a name entry is not a pattern
        "http://10.2.0.1:5000",  # just outside the CIDR
        "http://127.0.0.1:8301",  # neighbouring port
        "http://127.0.0.2:8300",  # neighbouring address
        "http://[::1]:9001",
    ):
        with pytest.raises(EgressRefusedError):
            policy.check_url(refused, CHORUS)


@pytest.mark.parametrize(
    "entry", ["10.0.0.0/33", "host:port", "host:99999", "[::1", "ex ample.com", "a/b/c"]
)
def test_a_bad_allowlist_entry_is_named(entry: str) -> None:
    with pytest.raises(ValueError, match="PARLEY_EGRESS_ALLOW entry"):
        Allowlist(f"ok.example, {entry}")


def test_an_empty_allowlist_allows_nothing() -> None:
    assert not Allowlist("")
    assert not Allowlist(" , ")


# -- each connection -------------------------------------------------------------------


async def _get(policy: EgressPolicy, url: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=policy.transport(), follow_redirects=False) as client:
        return await client.get(url)


@pytest.mark.parametrize(
    ("url", "listener"),
    [
        ("http://127.0.0.1:{port}/", "v4"),
        ("http://127.1:{port}/", "v4"),
        ("http://2130706433:{port}/", "v4"),
        ("http://0x7f000001:{port}/", "v4"),
        ("http://[::ffff:127.0.0.1]:{port}/", "v4"),
        ("http://[::1]:{port}/", "v6"),
        ("http://loopback.example:{port}/", "v4"),
        ("http://six.example:{port}/", "v6"),
    ],
)
async def test_a_connection_to_a_refused_address_is_never_made(
    url: str, listener: str, v4: Listener, v6: Listener
) -> None:
    target = v4 if listener == "v4" else v6
    connector = RecordingConnector()
    dns = Dns(loopback_example="127.0.0.1", six_example="::1")
    policy = EgressPolicy(resolver=dns, connector=connector)

    with pytest.raises(EgressRefusedError) as caught:
        await _get(policy, url.format(port=target.port))

    assert caught.value.code == "egress_refused"
    assert target.accepted == 0
    assert connector.calls == []


async def test_dns_rebinding_is_refused_at_connection_time(v4: Listener) -> None:
    dns = Dns(rebind_example="93.184.216.34")
    connector = RecordingConnector()
    policy = EgressPolicy(resolver=dns, connector=connector)
    url = f"https://rebind.example:{v4.port}/hook"
    await policy.vet_url(url)  # public when saved

    dns.table["rebind.example"] = ["127.0.0.1"]  # private when called
    rule = re.escape("resolves to 127.0.0.1, a loopback address")
    with pytest.raises(EgressRefusedError, match=rule):
        await _get(policy, url)

    assert dns.asked == ["rebind.example", "rebind.example"]
    assert v4.accepted == 0
    assert connector.calls == []


async def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    dns = Dns()
    dns.table["mixed.example"] = ["93.184.216.34", "10.0.0.5"]
    with pytest.raises(EgressRefusedError, match=re.escape("10.0.0.5, a private address")):
        await EgressPolicy(resolver=dns).vet_url("https://mixed.example/hook")


async def test_a_name_that_does_not_resolve_yet_passes_the_save_time_check() -> None:
    await EgressPolicy(resolver=Dns()).vet_url("https://not-yet.example/hook")


async def test_a_slow_lookup_does_not_hold_a_save() -> None:
    async def hang(host: str, port: int) -> Sequence[str]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    policy = EgressPolicy(resolver=hang, save_lookup_timeout=0.01)
    await policy.vet_url("https://slow.example/hook")


async def test_allowed_destinations_connect_and_neighbours_do_not(v4: Listener) -> None:
    connector = RecordingConnector()
    dns = Dns(sandbox_internal="127.0.0.1")
    policy = EgressPolicy(
        f"127.0.0.1:{v4.port},sandbox.internal", resolver=dns, connector=connector
    )

    assert (await _get(policy, f"http://127.0.0.1:{v4.port}/")).status_code == 204
    assert (await _get(policy, f"http://sandbox.internal:{v4.port}/")).status_code == 204
    assert v4.accepted == 2
    with pytest.raises(EgressRefusedError):
        await _get(policy, f"http://127.0.0.1:{v4.port + 1}/")
    assert connector.calls == [("127.0.0.1", v4.port)] * 2


async def test_the_resilient_client_does_not_retry_a_refusal(v4: Listener) -> None:
    dns = Dns(rebind_example="127.0.0.1")
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    options = HttpOptions(
        limiter=TokenBucketLimiter(1000.0),
        policy=RetryPolicy(max_attempts=5),
        transport=EgressPolicy(resolver=dns).transport(),
        sleep=sleep,
    )
    async with ResilientClient(
        base_url=f"https://rebind.example:{v4.port}", limiter_key="k", options=options
    ) as client:
        with pytest.raises(EgressRefusedError):
            await client.request("GET", "/v3/engagements")

    assert dns.asked == ["rebind.example"]  # one attempt, no backoff
    assert sleeps == []
    assert v4.accepted == 0


def test_the_demo_allows_its_own_sandbox_and_nothing_else() -> None:
    settings = demo_settings(Settings(egress_allow="10.0.0.0/8"), "http://127.0.0.1:8300")
    policy = EgressPolicy.from_settings(settings)

    policy.check_url("http://127.0.0.1:8300", CHORUS)
    for refused in ("http://127.0.0.1:8301", "http://10.0.0.5", "http://[::1]:8300"):
        with pytest.raises(EgressRefusedError):
            policy.check_url(refused, CHORUS)
