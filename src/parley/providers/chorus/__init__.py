"""The Chorus connector: Chorus HTTP in, unified models out."""

from parley.providers.chorus.info import CHORUS_INFO
from parley.providers.chorus.provider import ChorusFactory, ChorusProvider

__all__ = ["CHORUS_INFO", "ChorusFactory", "ChorusProvider"]
