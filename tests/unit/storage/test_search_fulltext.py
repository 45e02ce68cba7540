"""Search text -> FTS5 query: web-search syntax, and never an FTS5 syntax error."""

from __future__ import annotations

import sqlite3

import pytest

from parley.storage.fulltext import parse_text_query, stem_prefixes, to_fts5


@pytest.mark.parametrize(
    ("text", "fts5"),
    [
        ("pricing", '(("pricing"))'),
        ("next steps", '(("next") AND ("steps"))'),
        ('"next steps"', '(("next steps"))'),
        ("budget OR pricing", '(("budget" OR "pricing"))'),
        ("pricing AND discount", '(("pricing") AND ("discount"))'),
        ("pricing -discount", '((("pricing")) NOT ("discount"))'),
        ("pricing NOT discount", '((("pricing")) NOT ("discount"))'),
        ("pri*", '(("pri"*))'),
        ("o'brien", '(("o brien"))'),
        ("Müller café", '(("Müller") AND ("café"))'),
    ],
)
def test_web_search_syntax(text: str, fts5: str) -> None:
    assert to_fts5(parse_text_query(text)) == fts5


@pytest.mark.parametrize("text", ["", "  ", "*", '"', "AND", "OR", "NOT", "-x", "!!", "()"])
def test_nothing_searchable_is_an_empty_query(text: str) -> None:
    query = parse_text_query(text)
    assert query.empty
    assert to_fts5(query) is None


def test_prefix_also_tries_shorter_stems() -> None:
    assert stem_prefixes("integrat") == ("integrat", "integra", "integr")
    assert stem_prefixes("pri") == ("pri",)


@pytest.mark.parametrize(
    "text",
    [
        'a"b',
        "col:pricing",
        "NEAR(a b)",
        "a + b",
        "^start",
        "{x y}",
        "a OR OR b",
        "'; DROP",
        '"open',
        '-"neg phrase"',
        "x* y*",
        "ünï*",
        "\x00",
        "a" * 600,
        " ".join(["w"] * 100),
    ],
)
def test_every_rendering_is_valid_fts5(text: str) -> None:
    fts5 = to_fts5(parse_text_query(text))
    if fts5 is None:
        return
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='porter unicode61')")
    connection.execute("INSERT INTO t VALUES ('w a b x y col pricing')")
    connection.execute("SELECT * FROM t WHERE t MATCH ?", (fts5,)).fetchall()
