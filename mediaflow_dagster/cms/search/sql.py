"""What the two databases' searches share: the filters, the facet counts and the order, in SQL
both run; each database brings its own match (`sqlite_fts`, `postgres_fts`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Any

from rapidfuzz.distance import OSA
from sqlalchemy import Connection, Select, and_, desc, func, literal_column, nulls_last, select

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
from mediaflow_dagster.cms.search.store import platform_bit

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
        conditions.append(documents.platforms.op("&")(platform_bit(query.platform)) != 0)
    if query.campaign_id is not None:
        conditions.append(documents.campaign_id == query.campaign_id)
    if query.date_from:
        conditions.append(documents.date >= datetime.combine(query.date_from, time()))
    if query.date_to:
        conditions.append(
            documents.date < datetime.combine(query.date_to + timedelta(days=1), time())
        )
    return conditions


def order(query: SearchQuery, rank: Any | None, columns: Any = documents) -> list[Any]:
    """`rank` orders best first (ascending); None when there is no text to rank by. `columns`:
    the documents' columns as the statement names them (the table's, or a CTE's)."""
    newest = nulls_last(desc(columns.date))
    match query.sort:
        case "date:desc":
            return [newest, columns.key]
        case "date:asc":
            return [nulls_last(columns.date.asc()), columns.key]
        case "title:asc":
            return [columns.title, columns.key]
        case "title:desc":
            return [desc(columns.title), columns.key]
    return ([rank] if rank is not None else []) + [newest, columns.key]


def facet_statements(
    source: Any, conditions: list[Any], columns: Any = documents
) -> tuple[Select, Select]:
    """The two statements facet counts come from, over the documents `source` matches under
    `conditions`: counts grouped by type, status and kind with a sum per platform, and the
    campaigns with most documents."""
    platform_sums = [
        func.sum(columns.platforms.op("&")(platform_bit(platform))).label(platform)
        for platform in PLATFORMS
    ]
    grouped = (
        select(columns.type, columns.status, columns.kind, func.count().label("n"), *platform_sums)
        .select_from(source)
        .where(and_(True, *conditions))
        .group_by(columns.type, columns.status, columns.kind)
    )
    campaigns = (
        select(columns.campaign_id, func.count().label("n"))
        .select_from(source)
        .where(and_(columns.campaign_id.is_not(None), *conditions))
        .group_by(columns.campaign_id)
        .order_by(desc(literal_column("n")), columns.campaign_id)
        .limit(CAMPAIGN_FACET_VALUES)
    )
    return grouped, campaigns


def read_facets(
    groups: Iterable[Mapping[str, Any]], campaigns: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, dict[str, int]], int]:
    """The facet counts and the total, from the rows of `facet_statements`."""
    facets = empty_facets()
    total = 0
    for row in groups:
        total += row["n"]
        for name in ("type", "status", "kind"):
            if row[name] is not None:
                facets[name][row[name]] = facets[name].get(row[name], 0) + row["n"]
        for platform in PLATFORMS:
            count = int(row[platform] or 0) // platform_bit(platform)
            if count:
                facets["platform"][platform] = facets["platform"].get(platform, 0) + count
    facets["campaign"] = {str(row["campaign_id"]): row["n"] for row in campaigns}
    return facets, total


def facet_counts(
    connection: Connection, source: Any, conditions: list[Any]
) -> tuple[dict[str, dict[str, int]], int]:
    """The facet counts of the documents `source` matches under `conditions`, and their
    total."""
    grouped, campaigns = facet_statements(source, conditions)
    groups = connection.execute(grouped).mappings().all()
    if not groups:
        return read_facets([], [])
    return read_facets(groups, connection.execute(campaigns).mappings().all())


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
