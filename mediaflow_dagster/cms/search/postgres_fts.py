"""Search on PostgreSQL: each document's tsvector in French and in English (accents folded by
`unaccent` inside the text search configurations `mediaflow_fr` and `mediaflow_en`, so
"vidéos" finds "video"), GIN indexes, every phrase of the query through
`websearch_to_tsquery` (which takes any text without an error), ranked by `ts_rank` with the
title weighing most, snippets by `ts_headline`, facet counts by SQL.

Typo tolerance: `pg_trgm` proposes, for each word of the query, the indexed words most similar
to it (`%` and `<->` on a GiST trigram index over the vocabulary: nearest first); those within
Meilisearch's allowance (one typo from 5 letters, two from 9) match as alternatives.
"""

from __future__ import annotations

from collections import defaultdict
from functools import reduce
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    and_,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR, aggregate_order_by

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
    facet_statements,
    filters,
    near_words,
    order,
    parsed_with_typos,
    read_facets,
)

NAME = "postgres"
LANGUAGES = {"french": "mediaflow_fr", "english": "mediaflow_en"}
TRIGRAM_CANDIDATES = 12
fulltext = table(
    "search_fulltext", column("key"), column("french", TSVECTOR), column("english", TSVECTOR)
)
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
    parsed = parsed_with_typos(query, lambda terms: _alternatives(connection, terms))
    conditions = filters(query)
    if parsed.is_empty:
        return _browse(connection, query, conditions)
    french, english = tsquery(parsed, "mediaflow_fr"), tsquery(parsed, "mediaflow_en")
    rank = func.ts_rank(fulltext.c.french, french) + func.ts_rank(fulltext.c.english, english)
    exact = parse(query.text)
    if exact != parsed:
        rank = (
            rank
            + func.ts_rank(fulltext.c.french, tsquery(exact, "mediaflow_fr"))
            + func.ts_rank(fulltext.c.english, tsquery(exact, "mediaflow_en"))
        )
    conditions.append(or_(fulltext.c.french.op("@@")(french), fulltext.c.english.op("@@")(english)))
    matched = (
        select(
            documents.key,
            documents.type,
            documents.status,
            documents.kind,
            documents.platforms,
            documents.campaign_id,
            documents.date,
            documents.title,
            rank.label("rank"),
        )
        .select_from(search_documents.join(fulltext, fulltext.c.key == documents.key))
        .where(and_(*conditions))
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )
    grouped, campaigns = facet_statements(matched, [], matched.c)
    ranked = order(query, matched.c.rank.desc(), matched.c)
    page = (
        select(matched.c.key, func.row_number().over(order_by=ranked).label("position"))
        .order_by(*ranked)
        .limit(query.per_page)
        .offset(query.offset)
        .subquery("page")
    )
    found = (
        select(
            page.c.position,
            documents.document,
            func.ts_headline(
                literal_column("'mediaflow_fr'::regconfig"),
                documents.body,
                french,
                literal(HEADLINE, String),
            ).label("snippet"),
        )
        .select_from(page.join(search_documents, documents.key == page.c.key))
        .subquery("found")
    )
    row = connection.execute(
        select(
            _json_rows(grouped.subquery("groups")).label("groups"),
            _json_rows(campaigns.subquery("campaigns")).label("campaigns"),
            select(
                func.coalesce(
                    func.json_agg(aggregate_order_by(literal_column("found"), found.c.position)),
                    literal_column("'[]'::json"),
                )
            )
            .select_from(found)
            .scalar_subquery()
            .label("hits"),
        )
    ).one()
    facets, total = read_facets(row.groups, row.campaigns)
    hits = [
        hit(found["document"], marked_words(found["document"]["title"], parsed), found["snippet"])
        for found in row.hits
    ]
    return SearchAnswer(hits, total, facets, NAME, query.page, query.per_page)


def _json_rows(rows: Any) -> Any:
    """The rows of a subquery as one JSON array (one round trip for every part of an answer)."""
    return (
        select(
            func.coalesce(func.json_agg(literal_column(rows.name)), literal_column("'[]'::json"))
        )
        .select_from(rows)
        .scalar_subquery()
    )


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
