"""`PARLEY_EMBED_ORIGINS` to the pages' `frame-ancestors`, refusing what is not a source."""

from __future__ import annotations

import pytest

from parley.config import Settings
from parley.web.headers import content_security_policy, frame_ancestors
from parley.web.session import safe_next


@pytest.mark.parametrize(
    ("given", "sources"),
    [
        ("'self'", "'self'"),
        ("", "'self'"),
        ("'self', https://app.example.com", "'self' https://app.example.com"),
        (
            "https://*.example.com,http://localhost:3000",
            "https://*.example.com http://localhost:3000",
        ),
        ("'none'", "'none'"),
    ],
)
def test_embed_origins_become_frame_ancestors(given: str, sources: str) -> None:
    assert frame_ancestors(given) == sources
    assert content_security_policy(given).endswith(f"frame-ancestors {sources}")


@pytest.mark.parametrize(
    "bad",
    [
        "https://a.example; script-src *",
        "https://a.example/path",
        "'unsafe-inline'",
        "'none',https://a.example",
    ],
)
def test_anything_else_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="PARLEY_EMBED_ORIGINS"):
        frame_ancestors(bad)


def test_the_default_lets_only_parley_itself_frame_the_pages() -> None:
    assert frame_ancestors(Settings().embed_origins) == "'self'"


@pytest.mark.parametrize(
    ("given", "target"),
    [
        ("/app/meetings/m1?t=3", "/app/meetings/m1?t=3"),
        ("//evil.example/app/", "/app/dashboard"),
        ("https://evil.example/app/x", "/app/dashboard"),
        ("/app\\\\evil", "/app/dashboard"),
        (None, "/app/dashboard"),
    ],
)
def test_sign_in_goes_on_to_a_page_of_this_app_only(given: str | None, target: str) -> None:
    assert safe_next(given) == target
