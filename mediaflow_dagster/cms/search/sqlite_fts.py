"""Search on the embedded default: SQLite FTS5 over the documents' title and body (accents
folded by the `unicode61` tokenizer), ranked by BM25 with the title weighing most.

Typo tolerance: the index's own vocabulary (`fts5vocab`), read once per generation of the index,
gives each word of the query its near words (Meilisearch's allowance: one typo from 5 letters,
two from 9), which match as alternatives; a plural or a singular is one typo away.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from sqlalchemy import Connection, column, literal_column, select, table, text

from mediaflow_dagster.cms.schema import search_documents, search_facets
from mediaflow_dagster.cms.search.query import (
    ParsedText,
    Phrase,
    SearchAnswer,
    SearchQuery,
)
from mediaflow_dagster.cms.search.sql import (
    RANKED,
    browse,
    counts,
    documents,
    facet_columns,
    filters,
    found_keys,
    hits_of,
    order,
    parsed_with_typos,
    vocabulary,
)

NAME = "sqlite"
PREFIX_LETTERS = 3
COMPLETED_LETTERS = 5
"""The last word of a text matches as a prefix (as one types): from `PREFIX_LETTERS` letters
through FTS5's prefix index (3 and 4 letters), from `COMPLETED_LETTERS` as its completions in
the vocabulary, at most `MOST_COMPLETIONS` of them (alphabetically: the shortest first), as
Meilisearch limits a prefix's derivations; FTS5 would otherwise merge every completion's
matches for each statement."""
MOST_COMPLETIONS = 10
fts = table("search_fts", column("rowid"))
MATCHED = fts.join(search_facets, facet_columns.key == fts.c.rowid)
"""The matches with their facet columns (the narrow `search_facets`, not whole documents)."""
RANK = literal_column("bm25(search_fts, 10.0, 1.0)")
WORDS = text("SELECT term FROM search_fts_terms WHERE length(term) >= 4")


def completions(word: str, vocabulary: dict[str, list[str]]) -> list[str]:
    """The vocabulary's words that begin with `word` (from `COMPLETED_LETTERS` letters)."""
    if len(word) < COMPLETED_LETTERS:
        return []
    words = vocabulary.get(word[0], [])
    start = bisect_left(words, word)
    following = words[start : start + MOST_COMPLETIONS + 1]
    return [found for found in following if found.startswith(word) and found != word][
        :MOST_COMPLETIONS
    ]


def with_completions(parsed: ParsedText, vocabulary: dict[str, list[str]]) -> ParsedText:
    """`parsed` with its last word's completions as alternatives of it."""
    if not parsed.clauses or len(parsed.clauses[-1][0]) != 1:
        return parsed
    last = parsed.clauses[-1]
    added = [(word,) for word in completions(last[0][0], vocabulary) if (word,) not in last]
    return ParsedText((*parsed.clauses[:-1], (*last, *added)), parsed.excluded)


def _quoted(phrase: Phrase) -> str:
    return '"' + " ".join(phrase) + '"'


def match_expression(parsed: ParsedText, column: str | None = None) -> str | None:
    """The FTS5 query of the parsed text: every word quoted, so nothing a person typed is FTS5
    syntax; the last word of the text also matches as a prefix (as one types), from
    `PREFIX_LETTERS` letters. With `column`, the words must match in that column (exclusions in
    any). None when nothing must match (no text, or only exclusions)."""
    if not parsed.clauses:
        return None
    clauses = [[_quoted(phrase) for phrase in clause] for clause in parsed.clauses]
    last = parsed.clauses[-1][0]
    if len(last) == 1 and PREFIX_LETTERS <= len(last[0]) < COMPLETED_LETTERS:
        clauses[-1][0] += "*"
    required = " AND ".join("(" + " OR ".join(clause) + ")" for clause in clauses)
    if column:
        required = f"{{{column}}} : ({required})"
    if parsed.excluded:
        excluded = " OR ".join(_quoted(phrase) for phrase in parsed.excluded)
        return f"({required}) NOT ({excluded})"
    return required


def _matching(expression: str) -> Any:
    return text("search_fts MATCH :match").bindparams(match=expression)


def search(connection: Connection, query: SearchQuery) -> SearchAnswer:
    words = vocabulary(connection, WORDS)
    parsed = with_completions(parsed_with_typos(query, lambda: words), words)
    conditions = filters(query)
    if parsed.excluded and not parsed.clauses:
        excluded = " OR ".join(_quoted(phrase) for phrase in parsed.excluded)
        conditions.append(
            facet_columns.key.not_in(
                select(fts.c.rowid)
                .where(text("search_fts MATCH :excluded"))
                .params(excluded=excluded)
            )
        )
    expression = match_expression(parsed)
    if expression is None:
        return browse(connection, query, conditions, NAME)
    counted = counts(connection, MATCHED, [_matching(expression), *conditions], fts.c.rowid)
    if query.sort != "relevance":
        keys = _sorted_keys(connection, query, expression, conditions)
    elif not counted.estimated and counted.total <= RANKED:
        keys = _ranked_keys(connection, query, expression, conditions)
    else:
        keys = _broad_keys(connection, query, parsed, expression, conditions)
    return counted.answer(hits_of(connection, keys, parsed), NAME, query)


def _sorted_keys(
    connection: Connection, query: SearchQuery, expression: str, conditions: list[Any]
) -> list[int]:
    return found_keys(
        connection,
        select(fts.c.rowid)
        .select_from(MATCHED.join(search_documents, documents.key == fts.c.rowid))
        .where(_matching(expression), *conditions)
        .order_by(*order(query, None))
        .limit(query.per_page)
        .offset(query.offset),
    )


def _ranked_keys(
    connection: Connection, query: SearchQuery, expression: str, conditions: list[Any]
) -> list[int]:
    return found_keys(
        connection,
        select(fts.c.rowid)
        .select_from(MATCHED)
        .where(_matching(expression), *conditions)
        .order_by(*order(query, RANK))
        .limit(query.per_page)
        .offset(query.offset),
    )


def _broad_keys(
    connection: Connection,
    query: SearchQuery,
    parsed: ParsedText,
    expression: str,
    conditions: list[Any],
) -> list[int]:
    """A broad search's page: the newest `RANKED` documents matching in their title, ranked,
    then every other match, newest first."""
    in_title = match_expression(parsed, "title")
    candidates = found_keys(
        connection,
        select(fts.c.rowid)
        .select_from(MATCHED)
        .where(_matching(in_title), *conditions)
        .order_by(fts.c.rowid.desc())
        .limit(RANKED),
    )
    keys = []
    if query.offset < len(candidates):
        keys = _ranked_keys(
            connection, query, in_title, [*conditions, fts.c.rowid >= min(candidates)]
        )
    if len(keys) < query.per_page:
        keys += found_keys(
            connection,
            select(fts.c.rowid)
            .select_from(MATCHED)
            .where(_matching(expression), *conditions, fts.c.rowid.not_in(candidates))
            .order_by(fts.c.rowid.desc())
            .limit(query.per_page - len(keys))
            .offset(max(0, query.offset - len(candidates))),
        )
    return keys
