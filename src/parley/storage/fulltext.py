"""User search text -> a safe full-text query for SQLite FTS5 or PostgreSQL tsquery.

User input is parsed into a small expression first (web-search style: words are ANDed,
`"quoted phrases"`, `OR` between alternatives, `-word` or `NOT word` to exclude, `word*`
for a prefix), then rendered: as an FTS5 query string whose every word is a quoted string,
or as a tsquery built with SQL functions over bound parameters. Neither rendering can ever
be a syntax error, whatever the user typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Boolean, ColumnElement, column, func, literal, literal_column, select, table

from parley.storage.tables_store import StoredTranscriptEntry

__all__ = [
    "MAX_QUERY_LENGTH",
    "Clause",
    "Term",
    "TextQuery",
    "entries_matching",
    "fts_match",
    "fts_table",
    "parse_text_query",
    "stem_prefixes",
    "to_fts5",
    "to_tsquery",
    "tsv_match",
]

#: Longer search texts are refused by the faces (400) before they reach the database.
MAX_QUERY_LENGTH = 500
_MAX_CLAUSES = 32
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")
_TSCONFIG = "english"


@dataclass(frozen=True)
class Term:
    """One word or phrase; `prefix` when its last word ends with `*`."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Clause:
    """Alternatives joined by OR; a negated clause excludes what it matches."""

    alternatives: tuple[Term, ...]
    negated: bool = False


@dataclass(frozen=True)
class TextQuery:
    """Clauses joined by AND; empty when nothing searchable was typed."""

    clauses: tuple[Clause, ...]

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.negated)

    @property
    def empty(self) -> bool:
        """True when the query can match nothing (no positive clause)."""
        return not self.positive


def _term(text: str, *, phrase: bool) -> Term | None:
    words = tuple(_WORD.findall(text))
    if not words:
        return None
    prefix = not phrase and text.rstrip().endswith("*")
    return Term(words, prefix)


def parse_text_query(text: str) -> TextQuery:
    """Parse web-search style text; anything unrecognised is searched as plain words."""
    clauses: list[Clause] = []
    pending_or = pending_not = False
    for match in _CHUNK.finditer(text[:MAX_QUERY_LENGTH]):
        dash, quoted, bare = match.groups()
        if bare in ("OR", "|"):
            pending_or = bool(clauses) and not clauses[-1].negated
            continue
        if bare in ("AND", "&", "+"):
            continue
        if bare == "NOT":
            pending_not = True
            continue
        negated = pending_not or bool(dash)
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = True, bare[1:]
        term = _term(quoted, phrase=True) if quoted is not None else _term(bare or "", phrase=False)
        if term is None:
            pending_or = pending_not = False
            continue
        if pending_or and not negated:
            last = clauses.pop()
            clauses.append(Clause((*last.alternatives, term)))
        else:
            clauses.append(Clause((term,), negated=negated))
        pending_or = pending_not = False
    return TextQuery(tuple(clauses[:_MAX_CLAUSES]))


def stem_prefixes(word: str) -> tuple[str, ...]:
    """A typed prefix and it shortened by up to two letters (never below three).

    The index holds stems (`integration` -> `integr`), so a prefix longer than the stem
    (`integrat*`) would find nothing; the shorter forms catch the usual suffix cuts.
    """
    return tuple(word[:n] for n in range(len(word), max(len(word) - 3, 2), -1)) or (word,)


def _fts5_term(term: Term) -> str:
    # Words are `\w+` runs, so they never hold a double quote: quoting makes them literal.
    if not term.prefix:
        return '"' + " ".join(term.words) + '"'
    head = " ".join(term.words[:-1])
    options = [f'"{head} {p}"*' if head else f'"{p}"*' for p in stem_prefixes(term.words[-1])]
    return options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"


def _fts5_clause(clause: Clause) -> str:
    return "(" + " OR ".join(_fts5_term(t) for t in clause.alternatives) + ")"


def to_fts5(query: TextQuery) -> str | None:
    """The FTS5 MATCH string (None when the query is empty)."""
    if query.empty:
        return None
    expression = "(" + " AND ".join(_fts5_clause(c) for c in query.positive) + ")"
    for clause in query.negative:
        expression = f"({expression} NOT {_fts5_clause(clause)})"
    return expression


def _ts_term(term: Term) -> ColumnElement[object]:
    words = term.words
    if term.prefix:
        # Quoted lexemes with `:*`: each matches every indexed stem it begins.
        options = [
            func.to_tsquery(_TSCONFIG, literal("'" + p + "':*")) for p in stem_prefixes(words[-1])
        ]
        last = options[0]
        for option in options[1:]:
            last = func.tsquery_or(last, option)
        if len(words) == 1:
            return last
        return func.tsquery_and(func.phraseto_tsquery(_TSCONFIG, " ".join(words[:-1])), last)
    if len(words) == 1:
        return func.plainto_tsquery(_TSCONFIG, words[0])
    return func.phraseto_tsquery(_TSCONFIG, " ".join(words))


def _ts_clause(clause: Clause) -> ColumnElement[object]:
    expression = _ts_term(clause.alternatives[0])
    for term in clause.alternatives[1:]:
        expression = func.tsquery_or(expression, _ts_term(term))
    return expression


def to_tsquery(query: TextQuery) -> ColumnElement[object] | None:
    """A PostgreSQL tsquery expression over bound parameters (None when empty)."""
    if query.empty:
        return None
    positive = query.positive
    expression = _ts_clause(positive[0])
    for clause in positive[1:]:
        expression = func.tsquery_and(expression, _ts_clause(clause))
    for clause in query.negative:
        expression = func.tsquery_and(expression, func.tsquery_not(_ts_clause(clause)))
    return expression


#: The FTS5 index (SQLite): rowid = transcript_entries.id (migration 0002).
fts_table = table("transcript_fts", column("rowid"))
#: The generated tsvector column (PostgreSQL), not mapped on the ORM class.
TEXT_TSV: ColumnElement[object] = literal_column("transcript_entries.text_tsv")


def fts_match(fts5: str) -> ColumnElement[bool]:
    """`transcript_fts MATCH :query` (SQLite)."""
    return literal_column("transcript_fts").op("MATCH", return_type=Boolean)(fts5)


def tsv_match(tsquery: ColumnElement[object]) -> ColumnElement[bool]:
    """`transcript_entries.text_tsv @@ query` (PostgreSQL)."""
    return TEXT_TSV.op("@@", return_type=Boolean)(tsquery)


def entries_matching(dialect: str, query: TextQuery) -> ColumnElement[bool] | None:
    """A WHERE clause on `transcript_entries` rows whose text matches (None: matches none)."""
    if dialect == "sqlite":
        fts5 = to_fts5(query)
        if fts5 is None:
            return None
        ids = select(fts_table.c.rowid).where(fts_match(fts5))
        return StoredTranscriptEntry.id.in_(ids)
    tsquery = to_tsquery(query)
    return None if tsquery is None else tsv_match(tsquery)
