"""Response headers of every page (`/app/…`): who may frame it, what it may load.

`frame-ancestors` comes from `PARLEY_EMBED_ORIGINS` (default `'self'`): the developer lists
the origins of their product that embed the pages in an iframe. Everything else is fixed:
scripts and styles from Parley itself (no inline script, nothing from the internet), media
from anywhere (a media link answers a 302 to the provider's own media host).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PageHeadersMiddleware", "content_security_policy", "frame_ancestors"]

_KEYWORDS = frozenset({"'self'", "'none'"})
# scheme://host[:port] or host, with an optional leading wildcard label (CSP source syntax).
_SOURCE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[a-z0-9.-]+(?::(?:\d{1,5}|\*))?$", re.I)


def frame_ancestors(embed_origins: str) -> str:
    """The `frame-ancestors` sources of a comma-separated list (ValueError on a bad one)."""
    sources = [s.strip() for s in embed_origins.split(",") if s.strip()] or ["'self'"]
    for source in sources:
        if source.lower() not in _KEYWORDS and not _SOURCE.match(source):
            raise ValueError(
                f"PARLEY_EMBED_ORIGINS: {source!r} is not an origin such as "
                "https://app.example.com, nor 'self' or 'none'."
            )
    if "'none'" in (s.lower() for s in sources) and len(sources) > 1:
        raise ValueError("PARLEY_EMBED_ORIGINS: 'none' cannot be combined with origins.")
    return " ".join(sources)


def content_security_policy(embed_origins: str) -> str:
    """The pages' whole policy."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            # Inline style attributes (a bar's width) are allowed; inline script is not.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "media-src *",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors(embed_origins)}",
        )
    )


class PageHeadersMiddleware:
    """Adds the pages' security and caching headers to every `/app` response."""

    def __init__(self, app: ASGIApp, *, embed_origins: str, prefix: str = "/app") -> None:
        self.app = app
        self._prefix = prefix
        self._headers = [
            (b"content-security-policy", content_security_policy(embed_origins).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == self._prefix or path.startswith(self._prefix + "/")):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self._headers if k not in names]
                if b"cache-control" not in names:
                    # A page shows one user's meetings: no shared cache may keep it.
                    headers.append((b"cache-control", b"private, no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
