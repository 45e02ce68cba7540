"""Pass-through to the account's provider with credentials injected, answered verbatim.

What may go (a relative path, a few request headers) and what comes back (the status, body
and a few response headers) is decided here; the route only parses and renders.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from parley.errors import InvalidRequestError
from parley.providers.base import Provider

__all__ = ["ProxyAnswer", "ProxyRequest", "forward", "safe_path"]

# Request headers a caller may pass on; never its own Authorization, cookies or hop-by-hop.
_FORWARDED = ("accept", "content-type", "x-timezone-offset")
# Response headers worth returning besides the body's content type.
_RETURNED = ("content-type", "location", "retry-after", "cache-control")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
#: Parley's own query parameters: they choose the account, they are not the provider's.
_OWN_PARAMS = frozenset({"integrated_account_id"})


@dataclass(frozen=True)
class ProxyRequest:
    """The caller's request as it arrived: method, integration slug, path, query, headers."""

    method: str
    integration: str
    path: str
    params: Sequence[tuple[str, str]] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class ProxyAnswer:
    """The provider's answer: its status and body verbatim, the headers worth returning."""

    status: int
    content: bytes
    headers: dict[str, str]


def safe_path(path: str) -> str:
    """The provider path, refusing anything that could leave the account's base URL."""
    decoded = unquote(path)
    if (
        not path
        or decoded.startswith(("/", "\\"))
        or _SCHEME.match(decoded)
        or "\\" in decoded
        or any(part == ".." for part in re.split(r"[/\\]", decoded))
    ):
        raise InvalidRequestError(
            "The proxy path must be relative to the account's base URL "
            "(no absolute URL, no `..`, no `//host`).",
            code="invalid_proxy_path",
            param="path",
        )
    return "/" + path


async def forward(provider: Provider, request: ProxyRequest) -> ProxyAnswer:
    """Send `request` to the account's base URL + path; the provider's answer, verbatim."""
    if request.integration != provider.info.slug:
        raise InvalidRequestError(
            f"This account is a {provider.info.slug!r} account, not {request.integration!r}.",
            param="integration",
        )
    target = safe_path(request.path)
    params = [(k, v) for k, v in request.params if k not in _OWN_PARAMS]
    headers = {k: v for k, v in request.headers.items() if k.lower() in _FORWARDED}
    upstream = await provider.raw_request(
        request.method, target, params=params, content=request.body or None, headers=headers
    )
    returned = {k: v for k, v in upstream.headers.items() if k.lower() in _RETURNED}
    return ProxyAnswer(upstream.status_code, upstream.content, returned)
