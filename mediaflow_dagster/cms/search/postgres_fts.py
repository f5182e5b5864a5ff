"""Search on PostgreSQL: each document's tsvector in French and in English (accents folded by
`unaccent` inside the text search configurations `mediaflow_fr` and `mediaflow_en`, so
"vidéos" finds "video"), GIN indexes, every phrase of the query through
`websearch_to_tsquery` (which takes any text without an error), ranked by `ts_rank` with the
title weighing most, facet counts from the rows the GIN indexes point at (`sql.counts`).

Typo tolerance: the vocabulary (`search_words`, the indexed words, read once per generation of
the index) gives each word of the query its near words within Meilisearch's allowance (one
typo from 5 letters, two from 9), which match as alternatives.
"""

from __future__ import annotations

from functools import reduce
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

from mediaflow_dagster.cms.schema import search_documents
from mediaflow_dagster.cms.search.query import (
    ParsedText,
    SearchAnswer,
    SearchQuery,
    parse,
)
from mediaflow_dagster.cms.search.sql import (
    RANKED,
    browse,
    counts,
    documents,
    filters,
    found_keys,
    hits_of,
    order,
    parsed_with_typos,
    vocabulary,
)

NAME = "postgres"
LANGUAGES = {"french": "mediaflow_fr", "english": "mediaflow_en"}
FACETS = ("type", "status", "kind", "platforms", "campaign_id", "date")
fulltext = table(
    "search_fulltext",
    column("key"),
    column("french", TSVECTOR),
    column("english", TSVECTOR),
    *(column(name) for name in FACETS),
)
"""The documents' tsvectors with their facet columns: a search reads nothing else for the
matches it counts."""
NEWEST_BY_MATCHES = 2000
"""Up to this many matches, the newest of them are taken from the matches themselves rather
than by walking the keys from the newest: where few documents match (two words together, a
filter), the planner's walk read tens of thousands of rows to meet 20 matches (27 ms)."""
titles = table(
    "search_facets",
    column("key"),
    column("french_title", TSVECTOR),
    column("english_title", TSVECTOR),
    *(column(name) for name in FACETS),
)
"""The documents' facet columns and titles' tsvectors, in narrow rows (migration 0015)."""
WORDS = text("SELECT word FROM search_words WHERE strpos(word, '-') = 0")
"""The vocabulary's words, not its hyphenated compounds (a file name is one): their parts are
words of it."""


def tsquery(parsed: ParsedText, configuration: str) -> Any:
    """The parsed text's tsquery in one configuration: each phrase through
    `websearch_to_tsquery` as a bound value (no text is ever SQL or tsquery syntax), alternatives
    joined by `tsquery_or`, clauses by `tsquery_and`, exclusions by `tsquery_not`."""
    config = literal_column(f"'{configuration}'::regconfig")

    def phrase_query(phrase: tuple[str, ...]) -> Any:
        value = phrase[0] if len(phrase) == 1 else '"' + " ".join(phrase) + '"'
        return func.websearch_to_tsquery(config, literal(value, String))

    def either(phrases) -> Any:
        return reduce(func.tsquery_or, (phrase_query(phrase) for phrase in phrases))

    required = [either(clause) for clause in parsed.clauses]
    if parsed.excluded:
        required.append(func.tsquery_not(either(parsed.excluded)))
    return reduce(func.tsquery_and, required)


def search(connection: Connection, query: SearchQuery) -> SearchAnswer:
    parsed = parsed_with_typos(query, lambda: vocabulary(connection, WORDS))
    conditions = filters(query, fulltext.c)
    if parsed.is_empty:
        return browse(connection, query, filters(query), NAME)
    french, english = tsquery(parsed, "mediaflow_fr"), tsquery(parsed, "mediaflow_en")
    matching = [
        or_(fulltext.c.french.op("@@")(french), fulltext.c.english.op("@@")(english)),
        *conditions,
    ]
    counted = counts(connection, fulltext, matching, fulltext.c.key, fulltext.c)
    if query.sort != "relevance":
        keys = found_keys(
            connection,
            select(fulltext.c.key)
            .select_from(fulltext.join(search_documents, documents.key == fulltext.c.key))
            .where(*matching)
            .order_by(*order(query, None, fulltext.c))
            .limit(query.per_page)
            .offset(query.offset),
        )
    elif not counted.estimated and counted.total <= RANKED:
        keys = _ranked_keys(connection, query, parsed, matching)
    else:
        keys = _broad_keys(connection, query, parsed, matching, counted.total)
    return counted.answer(hits_of(connection, keys, parsed), NAME, query)


def _rank(query: SearchQuery, parsed: ParsedText) -> Any:
    """`ts_rank` in both languages, the title weighing most, exact words over their
    alternatives (typos, synonyms)."""

    def in_both(text: ParsedText) -> Any:
        return func.ts_rank(fulltext.c.french, tsquery(text, "mediaflow_fr")) + func.ts_rank(
            fulltext.c.english, tsquery(text, "mediaflow_en")
        )

    exact = parse(query.text)
    return in_both(parsed) + in_both(exact) if exact != parsed else in_both(parsed)


def _ranked_keys(
    connection: Connection, query: SearchQuery, parsed: ParsedText, matching: list[Any]
) -> list[int]:
    return found_keys(
        connection,
        select(fulltext.c.key)
        .where(*matching)
        .order_by(*order(query, _rank(query, parsed).desc(), fulltext.c))
        .limit(query.per_page)
        .offset(query.offset),
    )


def _broad_keys(
    connection: Connection,
    query: SearchQuery,
    parsed: ParsedText,
    matching: list[Any],
    total: int,
) -> list[int]:
    """A broad search's page: the newest `RANKED` documents matching in their title, ranked,
    then every other match, newest first: up to `NEWEST_BY_MATCHES` matches from the matches
    themselves (found through the GIN indexes, sorted), past it by walking the keys down from
    the newest (matches are dense enough there to be met soon)."""
    required = ParsedText(parsed.clauses)
    in_title = [
        or_(
            titles.c.french_title.op("@@")(tsquery(required, "mediaflow_fr")),
            titles.c.english_title.op("@@")(tsquery(required, "mediaflow_en")),
        ),
        *filters(query, titles.c),
    ]
    if parsed.excluded:
        in_title.append(exists().where(fulltext.c.key == titles.c.key, *matching))
    matching_titles = select(titles.c.key).where(*in_title).cte().prefix_with("MATERIALIZED")
    newest = select(matching_titles.c.key).order_by(matching_titles.c.key.desc()).limit(RANKED)
    candidates = found_keys(
        connection,
        select(fulltext.c.key)
        .where(fulltext.c.key.in_(newest))
        .order_by(*order(query, _rank(query, parsed).desc(), fulltext.c)),
    )
    keys = candidates[query.offset : query.offset + query.per_page]
    if len(keys) < query.per_page:
        keys += found_keys(
            connection,
            select(fulltext.c.key)
            .where(*matching, fulltext.c.key.not_in(candidates))
            .order_by((fulltext.c.key + 0 if total <= NEWEST_BY_MATCHES else fulltext.c.key).desc())
            .limit(query.per_page - len(keys))
            .offset(max(0, query.offset - len(candidates))),
        )
    return keys
