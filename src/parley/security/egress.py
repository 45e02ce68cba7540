"""The one egress policy: where Parley may connect on someone's behalf.

Every outbound connection made for a caller (provider API calls, sync, proxy, link checks,
media, webhook deliveries) passes `EgressPolicy`:

- when a URL is saved, `check_url` (its scheme, host and any address literal) and, for
  webhooks, `vet_url` (the addresses its name resolves to now);
- on **each connection**, the transport from `transport()`: its network backend resolves
  the name itself, checks every address and connects to a vetted one, so a name that
  resolves elsewhere later (DNS rebinding) is refused then. TLS still verifies the name.

Refused: loopback, private, link-local (the cloud metadata address), shared (100.64/10),
unique-local, multicast, broadcast, unspecified and every other non-public address, also
spelled as IPv4-mapped/-compatible IPv6 or as a numeric IPv4 form (`2130706433`, `127.1`).
`PARLEY_EGRESS_ALLOW` entries (`host`, `host:port`, CIDR) are let through despite every
rule. A refusal raises `EgressRefusedError` (400 `egress_refused`) before any connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx

from parley.config import Settings
from parley.errors import EgressRefusedError
from parley.security.egress_transport import EgressTransport, VettingBackend

__all__ = [
    "SAVE_LOOKUP_TIMEOUT",
    "WEBHOOK_RULE",
    "Allowlist",
    "EgressPolicy",
    "HostRule",
    "Resolver",
    "address_rule",
    "parse_address",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: (host, port) -> the addresses the name resolves to, as strings (raises OSError if none)
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: seconds a save-time lookup may take before the save goes ahead unresolved (default)
SAVE_LOOKUP_TIMEOUT = 5.0
# What inet_aton reads as an IPv4 address: up to four dot-separated decimal, octal or hex
# parts (`127.1`, `0177.0.0.1`, `0x7f000001`, `2130706433`).
_NUMERIC_V4 = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_PRIVATE_V4 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_BROADCAST = ipaddress.IPv4Address("255.255.255.255")


@dataclass(frozen=True)
class HostRule:
    """What a kind of URL may point at, beyond the address rules.

    `patterns`: the hosts allowed (`chorus.ai`, `*.chorus.ai` for any subdomain), None for
    any public host; `owner` names them in refusals ("not a Chorus host").
    """

    owner: str | None = None
    patterns: tuple[str, ...] | None = None
    https: bool = True


#: Webhook receivers: any public host, over https.
WEBHOOK_RULE = HostRule()


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The addresses of `host` from the operating system (getaddrinfo), in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_address(host: str) -> IPAddress | None:
    """`host` as an IP address, in any spelling inet_aton or IPv6 accepts (None for a name)."""
    host = host.strip("[]").lower()
    try:
        return ipaddress.ip_address(host.split("%", 1)[0] if ":" in host else host)
    except ValueError:
        pass
    if _NUMERIC_V4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries: mapped, compatible, 6to4 or NAT64."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _COMPATIBLE and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        return _embedded_v4(address) or address
    return address


def address_rule(address: IPAddress) -> str | None:
    """Why `address` is refused ("a loopback address", …), None for a public address."""
    address = _plain(address)
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address == _BROADCAST:
        return "a broadcast address"
    if isinstance(address, ipaddress.IPv4Address):
        if address in _SHARED:
            return "a shared (carrier-grade NAT) address"
        if any(address in network for network in _PRIVATE_V4):
            return "a private address"
    elif address in _UNIQUE_LOCAL:
        return "a unique-local address"
    if not address.is_global:
        return "a reserved, non-public address"
    return None


def _normal_name(host: str) -> str:
    return host.strip().lower().rstrip(".")


class Allowlist:
    """`PARLEY_EGRESS_ALLOW`: `host`, `host:port` or CIDR entries, comma-separated.

    A name entry matches the URL's host as written; an address or CIDR entry matches an
    address literal and every address a name resolves to. No port: any port.
    """

    def __init__(self, entries: str | Iterable[str] = "") -> None:
        items = entries.split(",") if isinstance(entries, str) else list(entries)
        self._names: set[tuple[str, int | None]] = set()
        self._networks: list[tuple[IPNetwork, int | None]] = []
        for item in (item.strip() for item in items):
            if item:
                self._add(item)

    def _add(self, entry: str) -> None:
        problem = f"PARLEY_EGRESS_ALLOW entry {entry!r} is not a host, host:port or CIDR"
        if "/" in entry:
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(problem) from None
            self._networks.append((network, None))
            return
        host, port = entry, None
        if entry.startswith("["):
            host, bracket, rest = entry[1:].partition("]")
            if not bracket:
                raise ValueError(problem)
            if rest:
                if not rest.startswith(":") or not rest[1:].isdigit():
                    raise ValueError(problem)
                port = int(rest[1:])
        elif entry.count(":") == 1:
            host, _, digits = entry.partition(":")
            if not digits.isdigit():
                raise ValueError(problem)
            port = int(digits)
        if port is not None and not 0 < port < 65536:
            raise ValueError(problem)
        address = parse_address(host)
        if address is not None:
            self._networks.append((ipaddress.ip_network(_plain(address)), port))
        elif host and all(
            part and re.fullmatch(r"[a-z0-9_-]+", part) for part in _normal_name(host).split(".")
        ):
            self._names.add((_normal_name(host), port))
        else:
            raise ValueError(problem)

    def __bool__(self) -> bool:
        return bool(self._names or self._networks)

    def allows_name(self, host: str, port: int) -> bool:
        """Whether a name entry lets `host:port` through."""
        name = _normal_name(host)
        return (name, None) in self._names or (name, port) in self._names

    def allows_address(self, address: IPAddress, port: int) -> bool:
        """Whether an address or CIDR entry lets `address:port` through."""
        plain = _plain(address)
        return any(
            plain.version == network.version
            and plain in network
            and (allowed_port is None or allowed_port == port)
            for network, allowed_port in self._networks
        )

    def allows_host(self, host: str, port: int) -> bool:
        """Whether `host` (a name or an address literal) is let through at `port`."""
        address = parse_address(host)
        if address is not None:
            return self.allows_address(address, port)
        return self.allows_name(host, port)


@dataclass(frozen=True)
class _Target:
    url: str  # scheme://host[:port], what a refusal names (no credentials, path or query)
    scheme: str
    host: str
    port: int


def _target(url: str, param: str | None) -> _Target:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    if scheme not in _DEFAULT_PORTS or not host or port == -1:
        raise EgressRefusedError(
            "This URL is refused: it needs an http(s) scheme and a host.", param=param
        )
    port = port or _DEFAULT_PORTS[scheme]
    if parse_address(host) is None:
        # A name in letters, digits, `-`, `_` and dots only (IDN as punycode): anything
        # else is where URL parsers disagree about the host.
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = ""
        if not _HOST_NAME.fullmatch(host):
            raise EgressRefusedError(
                "This URL is refused: its host is not a valid host name.", param=param
            )
    shown = f"[{host}]" if ":" in host else host
    default = port == _DEFAULT_PORTS[scheme]
    return _Target(f"{scheme}://{shown}{'' if default else f':{port}'}", scheme, host, port)


def _spelled(host: str, address: IPAddress) -> str:
    """`host` as written, with the address it spells when that differs (`127.1 (127.0.0.1)`)."""
    plain = _plain(address)
    return host if host.strip("[]").lower() == str(plain) else f"{host} ({plain})"


def _matches(host: str, pattern: str) -> bool:
    name, pattern = _normal_name(host), pattern.lower()
    if pattern.startswith("*."):
        return name.endswith(pattern[1:]) and len(name) > len(pattern) - 1
    return name == pattern


class EgressPolicy:
    """The policy itself; `resolver` and `connector` (the real network) are seams for tests."""

    def __init__(
        self,
        allow: str | Iterable[str] | Allowlist = "",
        *,
        resolver: Resolver = system_resolver,
        connector: httpcore.AsyncNetworkBackend | None = None,
        save_lookup_timeout: float = SAVE_LOOKUP_TIMEOUT,
    ) -> None:
        self.allowlist = allow if isinstance(allow, Allowlist) else Allowlist(allow)
        self._save_lookup_timeout = save_lookup_timeout
        self._resolver = resolver
        self._connector = connector or httpcore.AnyIOBackend()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        resolver: Resolver = system_resolver,
        connector: httpcore.AsyncNetworkBackend | None = None,
    ) -> EgressPolicy:
        """The policy of `PARLEY_EGRESS_ALLOW` (a bad entry: ValueError naming it)."""
        return cls(settings.egress_allow, resolver=resolver, connector=connector)

    def check_url(
        self, url: str, rule: HostRule = WEBHOOK_RULE, *, param: str | None = None
    ) -> None:
        """Refuse `url` unless its scheme, host and any address literal pass (no lookup)."""
        target = _target(url, param)
        if self.allowlist.allows_host(target.host, target.port):
            return
        address = parse_address(target.host)
        if address is not None and (why := address_rule(address)) is not None:
            raise EgressRefusedError(
                f"{target.url} is refused: {_spelled(target.host, address)} is {why}.",
                param=param,
            )
        if rule.patterns is not None and not any(
            _matches(target.host, pattern) for pattern in rule.patterns
        ):
            what = f"a {rule.owner} host" if rule.owner else "an allowed host"
            hosts = ", ".join(rule.patterns) or "none"
            raise EgressRefusedError(
                f"{target.url} is refused: {target.host} is not {what} ({hosts}).", param=param
            )
        if rule.https and target.scheme != "https":
            raise EgressRefusedError(f"{target.url} is refused: it needs https.", param=param)

    async def vet_url(
        self, url: str, rule: HostRule = WEBHOOK_RULE, *, param: str | None = None
    ) -> None:
        """`check_url`, then the addresses the name resolves to now (a name that does not
        resolve yet, or not within the save-time lookup timeout, passes: every connection is
        checked again)."""
        self.check_url(url, rule, param=param)
        target = _target(url, param)
        if parse_address(target.host) is not None:
            return
        try:
            async with asyncio.timeout(self._save_lookup_timeout):
                await self.addresses(target.host, target.port, url=target.url, param=param)
        except OSError:  # TimeoutError included
            return

    async def addresses(
        self, host: str, port: int, *, url: str | None = None, param: str | None = None
    ) -> list[str]:
        """The vetted addresses to connect to for `host:port` (refused: EgressRefusedError;
        the name does not resolve: OSError)."""
        shown = url or (f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
        literal = parse_address(host)
        if literal is not None:
            why = None if self.allowlist.allows_address(literal, port) else address_rule(literal)
            if why is not None:
                raise EgressRefusedError(
                    f"{shown} is refused: {_spelled(host, literal)} is {why}.", param=param
                )
            return [str(literal)]
        resolved = [parse_address(value) for value in await self._resolver(host, port)]
        found = [address for address in resolved if address is not None]
        if not found:
            raise OSError(f"{host} resolves to no address")
        if self.allowlist.allows_name(host, port):
            return [str(address) for address in found]
        for address in found:
            if self.allowlist.allows_address(address, port):
                continue
            if (why := address_rule(address)) is not None:
                raise EgressRefusedError(
                    f"{shown} is refused: {host} resolves to {address}, {why}.", param=param
                )
        return [str(address) for address in found]

    def transport(self, *, max_connections: int = 20) -> httpx.AsyncBaseTransport:
        """An httpx transport whose every new connection passes this policy first."""
        backend = VettingBackend(self.addresses, self._connector)
        return EgressTransport(backend, max_connections=max_connections)
