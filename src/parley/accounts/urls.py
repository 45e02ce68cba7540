"""Account URLs: provider base URLs, link redirects and Parley's key-authenticated recording links.

Meetings carry signed media links (`accounts.media_links`); the key-authenticated
`…/meetings/{id}/recording` links built here still work for API clients that build them.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from parley.errors import InvalidRequestError
from parley.providers.base import MediaKind, RecordingUrl

__all__ = [
    "RecordingLinks",
    "add_query",
    "normalize_base_url",
    "unified_recording_links",
    "validate_redirect_uri",
]

_MAX_URL = 2048

#: account id -> the builder of Parley's own recording links for that account
#: (`MediaLinks` in production: signed `/media/{signed}` links; `unified_recording_links`).
RecordingLinks = Callable[[str], RecordingUrl]


def _absolute(value: str, param: str, example: str) -> tuple[str, str, str, str, str]:
    parts = urlsplit(value)
    if (
        len(value) > _MAX_URL
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        # Userinfo in a stored URL would be a credential kept in plaintext.
        or "@" in parts.netloc
    ):
        raise InvalidRequestError(
            f"{param} must be an absolute http(s) URL without credentials, e.g. {example}.",
            param=param,
        )
    return parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment


def normalize_base_url(value: str) -> str:
    """An account's provider host: absolute http(s), no query, no trailing slash."""
    scheme, netloc, path, query, fragment = _absolute(
        value.strip(), "base_url", "https://chorus.ai"
    )
    if query or fragment:
        raise InvalidRequestError("base_url must not carry a query or fragment.", param="base_url")
    return urlunsplit((scheme, netloc.lower(), path.rstrip("/"), "", ""))


def validate_redirect_uri(value: str) -> str:
    """A link page's redirect target: absolute http(s), kept as given."""
    value = value.strip()
    _absolute(value, "redirect_uri", "https://app.example.com/linked")
    return value


def add_query(url: str, **params: str) -> str:
    """`url` with `params` added to (or replacing the same names in) its query string."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in params]
    pairs.extend(params.items())
    return urlunsplit((scheme, netloc, path, urlencode(pairs), fragment))


def unified_recording_links(public_url: str) -> RecordingLinks:
    """Links to `GET /unified/conversational-intelligence/meetings/{id}/recording`."""
    base = f"{public_url.rstrip('/')}/unified/conversational-intelligence/meetings"

    def for_account(account_id: str) -> RecordingUrl:
        # Encoded once per account: a page of 100 meetings asks for 200 links.
        queries = {
            kind: urlencode({"kind": kind, "integrated_account_id": account_id})
            for kind in ("audio", "video")
        }

        def link(meeting_id: str, kind: MediaKind) -> str:
            # Provider ids are usually plain ASCII letters and digits: nothing to quote.
            plain = meeting_id.isascii() and meeting_id.isalnum()
            segment = meeting_id if plain else quote(meeting_id, safe="")
            return f"{base}/{segment}/recording?{queries[kind]}"

        return link

    return for_account
