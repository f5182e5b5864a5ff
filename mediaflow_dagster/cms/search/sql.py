"""What the two databases' searches share: the filters, the counts, the order, the page's hits
and the vocabulary typos are looked up in; each database brings its own match (`sqlite_fts`,
`postgres_fts`).

A search reads a bounded number of matches however broad it is. Up to `COUNTED` matches, the
total and the facet counts are exact; past it they are estimated from a sample of the matches:
the documents whose key hashes into the smallest share (`SAMPLE_SHARES`) that holds
`SAMPLE_ROWS` of them, found through the indexes without reading the others. Up to `RANKED`
matches every one is ranked; past it, a broad search ranks the newest `RANKED` of the
documents it matches in their title, then lists the other matches newest first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from threading import Lock
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import (
    Connection,
    Select,
    TextClause,
    and_,
    desc,
    literal_column,
    nulls_last,
    select,
)

from mediaflow_dagster.cms.schema import PLATFORMS, search_documents, search_facets
from mediaflow_dagster.cms.search import store
from mediaflow_dagster.cms.search.query import (
    SYNONYMS,
    Hit,
    ParsedText,
    SearchAnswer,
    SearchQuery,
    allowed_typos,
    empty_facets,
    hit,
    marked_passage,
    marked_words,
    parse,
    with_alternatives,
)
from mediaflow_dagster.cms.search.store import platform_bit

CAMPAIGN_FACET_VALUES = 20
MOST_ALTERNATIVES = 4
COUNTED = 500
SAMPLE_SHARES = (64, 16, 4)
SAMPLE_ROWS = 200
RANKED = 200
PLATFORM_BITS = [(platform, platform_bit(platform)) for platform in PLATFORMS]
documents = search_documents.c
facet_columns = search_facets.c
_vocabularies: dict[str, tuple[int, dict[str, list[str]]]] = {}
_reading = Lock()


def filters(query: SearchQuery, columns: Any = facet_columns) -> list[Any]:
    conditions = []
    if query.type:
        conditions.append(columns.type == query.type)
    if query.status:
        conditions.append(columns.status == query.status)
    if query.platform:
        conditions.append(columns.platforms.op("&")(platform_bit(query.platform)) != 0)
    if query.campaign_id is not None:
        conditions.append(columns.campaign_id == query.campaign_id)
    if query.date_from:
        conditions.append(columns.date >= datetime.combine(query.date_from, time()))
    if query.date_to:
        conditions.append(
            columns.date < datetime.combine(query.date_to + timedelta(days=1), time())
        )
    return conditions


def order(query: SearchQuery, rank: Any | None, columns: Any = facet_columns) -> list[Any]:
    """`rank` orders best first (ascending); None when there is no text to rank by. `columns`:
    the documents' dates and keys as the statement names them; a title sort needs
    `search_documents` in the statement."""
    newest = nulls_last(desc(columns.date))
    match query.sort:
        case "date:desc":
            return [newest, columns.key]
        case "date:asc":
            return [nulls_last(columns.date.asc()), columns.key]
        case "title:asc":
            return [documents.title, columns.key]
        case "title:desc":
            return [desc(documents.title), columns.key]
    return ([rank] if rank is not None else []) + [newest, columns.key]


def _facet_rows(
    connection: Connection,
    source: Any,
    conditions: list[Any],
    columns: Any,
    limit: int | None = None,
) -> list[Any]:
    """The facet columns (`columns`) of the documents `source` matches under `conditions`."""
    statement = (
        select(columns.type, columns.status, columns.kind, columns.platforms, columns.campaign_id)
        .select_from(source)
        .where(and_(True, *conditions))
    )
    return connection.execute(statement.limit(limit) if limit else statement).all()


def tally(rows: list[Any], scale: int = 1) -> dict[str, dict[str, int]]:
    """The facet counts of `_facet_rows`, each counted `scale` times; the campaigns with most."""
    facets = empty_facets()
    for (type_, status, kind, platforms), found in Counter(row[:4] for row in rows).items():
        for name, value in (("type", type_), ("status", status), ("kind", kind)):
            if value is not None:
                facets[name][value] = facets[name].get(value, 0) + found * scale
        for platform, bit in PLATFORM_BITS:
            if platforms & bit:
                facets["platform"][platform] = facets["platform"].get(platform, 0) + found * scale
    campaigns = Counter(row[4] for row in rows if row[4] is not None)
    most = sorted(campaigns.items(), key=lambda item: (-item[1], item[0]))
    facets["campaign"] = {str(id_): found * scale for id_, found in most[:CAMPAIGN_FACET_VALUES]}
    return facets


def hits_of(connection: Connection, keys: list[int], parsed: ParsedText) -> list[Hit]:
    """The documents of `keys`, in that order, the words `parsed` looks for marked in their
    title and in a passage of their text (on PostgreSQL a document deleted since its key was
    read is left out)."""
    if not keys:
        return []
    rows = connection.execute(
        select(documents.key, documents.document, documents.body).where(documents.key.in_(keys))
    )
    found = {
        row.key: hit(
            row.document,
            marked_words(row.document["title"], parsed),
            marked_passage(row.body, parsed),
        )
        for row in rows
    }
    return [found[key] for key in keys if key in found]


def found_keys(connection: Connection, statement: Select) -> list[int]:
    """The keys a statement selects, in its order."""
    return list(connection.execute(statement).scalars())


def in_sample(key: Any, share: int) -> Any:
    """The documents of one `share`-th of the index, chosen by a multiplicative hash of their
    key (no pattern in the keys biases it); written as migration 0015's index is."""
    hashed = (key * literal_column("2654435761")).op("&")(literal_column("4294967295"))
    return hashed < literal_column(str(2**32 // share))


@dataclass(frozen=True)
class Counts:
    total: int
    facets: dict[str, dict[str, int]]
    estimated: bool
    """True when the total and the facets are estimated from a sample (past `COUNTED`)."""

    def answer(self, hits: list[Hit], backend: str, query: SearchQuery) -> SearchAnswer:
        """The answer showing `hits` as `query`'s page of these counted matches."""
        return SearchAnswer(
            hits,
            self.total,
            self.facets,
            backend,
            query.page,
            query.per_page,
            estimated=self.estimated,
        )


def counts(
    connection: Connection,
    source: Any,
    conditions: list[Any],
    key: Any,
    columns: Any = facet_columns,
) -> Counts:
    """The total and the facet counts of the documents `source` matches under `conditions`
    (their facet `columns`): exact up to `COUNTED`, else estimated from the smallest sample of
    the matches (by `key`, the column an index finds the sample by) holding about
    `SAMPLE_ROWS` of them. The coarsest sample comes first: a broad search needs no other, and
    it tells how many matches there are about."""
    coarsest, *finer = SAMPLE_SHARES
    rows = _facet_rows(connection, source, [*conditions, in_sample(key, coarsest)], columns)
    if len(rows) >= SAMPLE_ROWS:
        return Counts(len(rows) * coarsest, tally(rows, coarsest), estimated=True)
    expected = len(rows) * coarsest
    if expected <= COUNTED:
        rows = _facet_rows(connection, source, conditions, columns, COUNTED + 1)
        if len(rows) <= COUNTED:
            return Counts(len(rows), tally(rows), estimated=False)
        expected = len(rows)
    share = next((share for share in finer if expected >= share * SAMPLE_ROWS), finer[-1])
    rows = _facet_rows(connection, source, [*conditions, in_sample(key, share)], columns)
    return Counts(max(len(rows) * share, COUNTED + 1), tally(rows, share), estimated=True)


def browse(
    connection: Connection, query: SearchQuery, conditions: list[Any], backend: str
) -> SearchAnswer:
    """Every document under the filters, newest first unless sorted otherwise."""
    counted = counts(connection, search_facets, conditions, facet_columns.key)
    rows = connection.execute(
        select(documents.document)
        .select_from(search_facets.join(search_documents, documents.key == facet_columns.key))
        .where(and_(True, *conditions))
        .order_by(*order(query, None))
        .limit(query.per_page)
        .offset(query.offset)
    )
    return counted.answer(
        [hit(document, document["title"], None) for (document,) in rows], backend, query
    )


def near_words(term: str, candidates: list[str]) -> list[str]:
    """The candidates within `term`'s allowed typos (transpositions count one), closest first;
    the first letter must agree, as Meilisearch counts a typo there as two."""
    near = process.extract(
        term, candidates, scorer=OSA.distance, score_cutoff=allowed_typos(term), limit=None
    )
    scored = sorted(
        (distance, word) for word, distance, _ in near if word != term and word[:1] == term[:1]
    )
    return [word for _, word in scored[:MOST_ALTERNATIVES]]


def vocabulary(connection: Connection, words: TextClause) -> dict[str, list[str]]:
    """The index's words (those `words` selects) by first letter, in order, read once per
    generation of the index: what typo tolerance and completions look words up in."""
    key = str(connection.engine.url)
    current = store.generation(connection)
    cached = _vocabularies.get(key)
    if cached and cached[0] == current:
        return cached[1]
    with _reading:
        by_letter: dict[str, list[str]] = defaultdict(list)
        for word in connection.execute(words).scalars():
            by_letter[word[0]].append(word)
        _vocabularies[key] = (current, {letter: sorted(of) for letter, of in by_letter.items()})
    return _vocabularies[key][1]


def parsed_with_typos(
    query: SearchQuery, vocabulary_of: Callable[[], dict[str, list[str]]]
) -> ParsedText:
    """The query's text parsed, each word given its near words in the vocabulary (read by
    `vocabulary_of` only when a word is long enough to have typos) and its synonyms."""
    parsed = parse(query.text)
    tolerant = [term for term in parsed.terms() if allowed_typos(term)]
    near = {}
    if tolerant:
        words = vocabulary_of()
        near = {term: near_words(term, words.get(term[0], [])) for term in tolerant}
    return with_alternatives(
        parsed,
        {term: near.get(term, []) + SYNONYMS.get(term, []) for term in parsed.terms()},
    )
