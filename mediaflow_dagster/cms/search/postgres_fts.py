"""Search on PostgreSQL: each document's tsvector in French and in English (accents folded by
`unaccent` inside the text search configurations `mediaflow_fr` and `mediaflow_en`, so
"vidéos" finds "video"), GIN indexes, every phrase of the query through
`websearch_to_tsquery` (which takes any text without an error), ranked by `ts_rank` with the
title weighing most, snippets by `ts_headline`, facet counts by SQL.

Typo tolerance: `pg_trgm` proposes, for each word of the query, the indexed words most similar
to it (`%`, a GIN trigram index over the vocabulary); those within Meilisearch's allowance (one
typo from 5 letters, two from 9) match as alternatives.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, and_, column, func, literal_column, select, table, text, true

from mediaflow_dagster.cms.schema import search_documents
from mediaflow_dagster.cms.search.query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    ParsedText,
    SearchAnswer,
    SearchQuery,
    hit,
    marked_words,
    parse,
)
from mediaflow_dagster.cms.search.sql import (
    documents,
    facet_counts,
    filters,
    near_words,
    order,
    parsed_with_typos,
)

NAME = "postgres"
LANGUAGES = {"french": "mediaflow_fr", "english": "mediaflow_en"}
TRIGRAM_CANDIDATES = 12
fulltext = table("search_fulltext", column("key"), column("french"), column("english"))
HEADLINE = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords=24, MinWords=8, "
    "MaxFragments=1, FragmentDelimiter=…"
)


def _alternatives(connection: Connection, terms: list[str]) -> dict[str, list[str]]:
    rows = connection.execute(
        text(
            "SELECT t.term, w.word FROM unnest(CAST(:terms AS text[])) AS t(term) "
            "CROSS JOIN LATERAL (SELECT word FROM search_words WHERE word % t.term "
            "ORDER BY word <-> t.term LIMIT :candidates) AS w"
        ).bindparams(terms=terms, candidates=TRIGRAM_CANDIDATES)
    )
    candidates: dict[str, list[str]] = defaultdict(list)
    for term, word in rows:
        candidates[term].append(word)
    return {term: near_words(term, candidates[term]) for term in terms}


def tsquery(parsed: ParsedText, configuration: str, prefix: str) -> tuple[str, dict[str, str]]:
    """The SQL of the parsed text's tsquery in one configuration, and its parameters: each
    phrase goes to `websearch_to_tsquery` as a bound value, so no text is ever SQL or tsquery
    syntax. The parameters are named after `prefix`."""
    parameters: dict[str, str] = {}

    def phrase_query(phrase: tuple[str, ...]) -> str:
        name = f"{prefix}_{len(parameters)}"
        parameters[name] = phrase[0] if len(phrase) == 1 else '"' + " ".join(phrase) + '"'
        return f"websearch_to_tsquery('{configuration}', :{name})"

    required = [
        "(" + " || ".join(phrase_query(phrase) for phrase in clause) + ")"
        for clause in parsed.clauses
    ]
    if parsed.excluded:
        required.append(
            "!!(" + " || ".join(phrase_query(phrase) for phrase in parsed.excluded) + ")"
        )
    return " && ".join(required), parameters


def search(connection: Connection, query: SearchQuery) -> SearchAnswer:
    parsed = parsed_with_typos(query, lambda terms: _alternatives(connection, terms))
    conditions = filters(query)
    if parsed.is_empty:
        return _browse(connection, query, conditions)
    selected, parameters = [], {}
    for variant, text_of in (("", parsed), ("_exact", parse(query.text))):
        for name, configuration in LANGUAGES.items():
            sql, values = tsquery(text_of, configuration, prefix=f"{configuration}{variant}")
            selected.append(f"{sql} AS {name}{variant}")
            parameters |= values
    q = (
        text("SELECT " + ", ".join(selected))
        .bindparams(**parameters)
        .columns(*(column(name) for name in ("french", "english", "french_exact", "english_exact")))
        .cte("q")
    )
    source = search_documents.join(fulltext, fulltext.c.key == documents.key).join(q, true())
    conditions.append(
        literal_column(
            "(search_fulltext.french @@ q.french OR search_fulltext.english @@ q.english)"
        )
    )
    facets, total = facet_counts(connection, source, conditions)
    rank = literal_column(
        "greatest(ts_rank(search_fulltext.french, q.french), "
        "ts_rank(search_fulltext.english, q.english)) + "
        "greatest(ts_rank(search_fulltext.french, q.french_exact), "
        "ts_rank(search_fulltext.english, q.english_exact))"
    ).desc()
    ranked = order(query, rank)
    page = (
        select(
            documents.title,
            documents.body,
            documents.document,
            q.c.french,
            func.row_number().over(order_by=ranked).label("position"),
        )
        .select_from(source)
        .where(and_(*conditions))
        .order_by(*ranked)
        .limit(query.per_page)
        .offset(query.offset)
        .subquery("page")
    )
    rows = connection.execute(
        select(
            page.c.document,
            literal_column(
                f"ts_headline('mediaflow_fr', page.body, page.french, '{HEADLINE}')"
            ).label("snippet"),
        )
        .select_from(page)
        .order_by(page.c.position)
    )
    hits = [
        hit(row.document, marked_words(row.document["title"], parsed), row.snippet) for row in rows
    ]
    return SearchAnswer(hits, total, facets, NAME, query.page, query.per_page)


def _browse(connection: Connection, query: SearchQuery, conditions: list[Any]) -> SearchAnswer:
    facets, total = facet_counts(connection, search_documents, conditions)
    rows = connection.execute(
        select(documents.document)
        .where(and_(True, *conditions))
        .order_by(*order(query, None))
        .limit(query.per_page)
        .offset(query.offset)
    )
    hits = [hit(document, document["title"], None) for (document,) in rows]
    return SearchAnswer(hits, total, facets, NAME, query.page, query.per_page)
