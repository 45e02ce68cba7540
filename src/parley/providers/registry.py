"""Provider registry: slug -> factory. A second provider is a new folder plus one line here."""

from __future__ import annotations

from parley.errors import InvalidRequestError
from parley.providers.base import ProviderFactory

__all__ = ["available", "get_provider"]


def _factories() -> dict[str, ProviderFactory]:
    from parley.providers.chorus import ChorusFactory

    return {"chorus": ChorusFactory()}


def available() -> list[str]:
    """Slugs of every registered provider."""
    return sorted(_factories())


def get_provider(slug: str) -> ProviderFactory:
    """The factory for `slug`, or a 400 naming the unknown integration."""
    factories = _factories()
    if slug not in factories:
        raise InvalidRequestError(
            f"Unknown integration {slug!r}; available: {', '.join(sorted(factories))}.",
            code="unknown_integration",
            param="integration",
        )
    return factories[slug]
