"""How much one tool answer may hold: at most `MAX_ITEMS` items and `MAX_CHARS` characters.

An agent reads every character a tool returns, so a listing stops at whichever cap it meets
first and hands back a cursor for the rest. `fit` says how many leading items fit beside the
answer's other fields; `shrink` makes one oversized object fit by shortening its longest
strings, then its longest lists (and says so: `truncated`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["DEFAULT_LIMIT", "MAX_CHARS", "MAX_ITEMS", "compact", "fit", "shrink"]

#: Items per answer unless the call asks for fewer (or more, up to `MAX_ITEMS`).
DEFAULT_LIMIT = 20
#: The most items one answer may ask for (`limit`).
MAX_ITEMS = 100
#: The most characters of JSON one answer holds.
MAX_CHARS = 30_000
#: A string shortened by `shrink` keeps at least this many characters.
_KEEP = 200
_ELLIPSIS = "… [truncated]"


def compact(value: Any) -> str:
    """The JSON an agent reads: compact, UTF-8 text kept as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def size(value: Any) -> int:
    """Characters of `value` as `compact` JSON."""
    return len(compact(value))


def fit(items: Sequence[Any], render: Callable[[list[Any]], Any], budget: int = MAX_CHARS) -> int:
    """How many leading `items` fit in `budget` once `render(items)` wraps them (at least
    one, even when that one alone is over: `shrink` it first)."""
    if not items:
        return 0
    sizes = [size(item) + 1 for item in items]  # each with its comma
    envelope = size(render([]))
    count, used = 0, envelope
    for item_size in sizes:
        if used + item_size > budget:
            break
        used += item_size
        count += 1
    count = max(count, 1)
    # The estimate ignores what depends on the items (a cursor's length): check, then back off.
    while count > 1 and size(render(list(items[:count]))) > budget:
        count -= 1
    return count


def shrink(value: Any, budget: int) -> tuple[Any, bool]:
    """`value` cut down to `budget` characters of JSON (strings, then lists), and whether
    anything was cut. A value that cannot be cut further is returned as small as it got."""
    cut = False
    while size(value) > budget:
        excess = size(value) - budget
        if _shorten_longest_string(value, excess) or _halve_longest_list(value):
            cut = True
            continue
        break
    return value, cut


def _walk(value: Any, visit: Callable[[Any, Any, Any], None]) -> None:
    """Call `visit(container, key, child)` for every child of every dict and list."""
    if isinstance(value, dict):
        for key, child in value.items():
            visit(value, key, child)
            _walk(child, visit)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            visit(value, index, child)
            _walk(child, visit)


def _shorten_longest_string(value: Any, excess: int) -> bool:
    found: list[tuple[int, Any, Any]] = []

    def visit(container: Any, key: Any, child: Any) -> None:
        if isinstance(child, str) and len(child) > _KEEP:
            found.append((len(child), container, key))

    _walk(value, visit)
    if not found:
        return False
    length, container, key = max(found, key=lambda f: f[0])
    keep = max(_KEEP, length - excess - len(_ELLIPSIS))
    container[key] = container[key][:keep] + _ELLIPSIS
    return True


def _halve_longest_list(value: Any) -> bool:
    found: list[tuple[int, Any]] = []

    def visit(_container: Any, _key: Any, child: Any) -> None:
        if isinstance(child, list) and len(child) > 1:
            found.append((size(child), child))

    _walk(value, visit)
    if not found:
        return False
    _, longest = max(found, key=lambda f: f[0])
    del longest[max(1, len(longest) // 2) :]
    return True
