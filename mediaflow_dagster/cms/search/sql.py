"""What the two databases' searches share: the filters, the facet counts and the order, in SQL
both run; each database brings its own match (`sqlite_fts`, `postgres_fts`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from rapidfuzz.distance import OSA
from sqlalchemy import Connection, and_, case, desc, func, literal_column, nulls_last, select

from mediaflow_dagster.cms.schema import PLATFORMS, search_documents
from mediaflow_dagster.cms.search.query import (
    SYNONYMS,
    ParsedText,
    SearchQuery,
    allowed_typos,
    empty_facets,
    parse,
    with_alternatives,
)
from mediaflow_dagster.cms.search.store import contains

CAMPAIGN_FACET_VALUES = 20
MOST_ALTERNATIVES = 4
documents = search_documents.c


def filters(query: SearchQuery) -> list[Any]:
    conditions = []
    if query.type:
        conditions.append(documents.type == query.type)
    if query.status:
        conditions.append(documents.status == query.status)
    if query.platform:
        conditions.append(contains(documents.platforms, query.platform))
    if query.campaign_id is not None:
        conditions.append(documents.campaign_id == query.campaign_id)
    if query.date_from:
        conditions.append(documents.date >= datetime.combine(query.date_from, time()))
    if query.date_to:
        conditions.append(
            documents.date < datetime.combine(query.date_to + timedelta(days=1), time())
        )
    return conditions


def order(query: SearchQuery, rank: Any | None) -> list[Any]:
    """`rank` orders best first (ascending); None when there is no text to rank by."""
    newest = nulls_last(desc(documents.date))
    match query.sort:
        case "date:desc":
            return [newest, documents.key]
        case "date:asc":
            return [nulls_last(documents.date.asc()), documents.key]
        case "title:asc":
            return [documents.title, documents.key]
        case "title:desc":
            return [desc(documents.title), documents.key]
    return ([rank] if rank is not None else []) + [newest, documents.key]


def facet_counts(
    connection: Connection, source: Any, conditions: list[Any]
) -> tuple[dict[str, dict[str, int]], int]:
    """The facet counts of the documents `source` matches under `conditions`, and their total:
    two statements, one grouped by type, status and kind with a sum per platform, one for the
    campaigns with most documents."""
    facets = empty_facets()
    platform_sums = [
        func.sum(case((contains(documents.platforms, platform), 1), else_=0)).label(platform)
        for platform in PLATFORMS
    ]
    grouped = (
        select(
            documents.type,
            documents.status,
            documents.kind,
            func.count().label("n"),
            *platform_sums,
        )
        .select_from(source)
        .where(and_(True, *conditions))
        .group_by(documents.type, documents.status, documents.kind)
    )
    total = 0
    for row in connection.execute(grouped):
        total += row.n
        for name, value in (("type", row.type), ("status", row.status), ("kind", row.kind)):
            if value is not None:
                facets[name][value] = facets[name].get(value, 0) + row.n
        for platform in PLATFORMS:
            count = int(row._mapping[platform] or 0)
            if count:
                facets["platform"][platform] = facets["platform"].get(platform, 0) + count
    if total:
        counted = func.count().label("n")
        campaigns = (
            select(documents.campaign_id, counted)
            .select_from(source)
            .where(and_(documents.campaign_id.is_not(None), *conditions))
            .group_by(documents.campaign_id)
            .order_by(desc(literal_column("n")), documents.campaign_id)
            .limit(CAMPAIGN_FACET_VALUES)
        )
        facets["campaign"] = {str(row.campaign_id): row.n for row in connection.execute(campaigns)}
    return facets, total


def near_words(term: str, candidates: list[str]) -> list[str]:
    """The candidates within `term`'s allowed typos (transpositions count one), closest first;
    the first letter must agree, as Meilisearch counts a typo there as two."""
    limit = allowed_typos(term)
    scored = sorted(
        (distance, word)
        for word in candidates
        if word != term
        and word[:1] == term[:1]
        and (distance := OSA.distance(term, word, score_cutoff=limit)) <= limit
    )
    return [word for _, word in scored[:MOST_ALTERNATIVES]]


def parsed_with_typos(query: SearchQuery, alternatives_of: Any) -> ParsedText:
    """The query's text parsed, each word given its near words by `alternatives_of(terms)`."""
    parsed = parse(query.text)
    tolerant = [term for term in parsed.terms() if allowed_typos(term)]
    near = alternatives_of(tolerant) if tolerant else {}
    return with_alternatives(
        parsed,
        {term: near.get(term, []) + SYNONYMS.get(term, []) for term in parsed.terms()},
    )
