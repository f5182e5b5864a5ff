"""Search on the embedded default: SQLite FTS5 over the documents' title and body (accents
folded by the `unicode61` tokenizer), ranked by BM25 with the title weighing most.

Typo tolerance: the index's own vocabulary (`fts5vocab`), read once per generation of the index,
gives each word of the query its near words (Meilisearch's allowance: one typo from 5 letters,
two from 9), which match as alternatives; a plural or a singular is one typo away.
"""

from __future__ import annotations

from collections import defaultdict
from threading import Lock

from sqlalchemy import Connection, and_, column, literal_column, select, table, text

from mediaflow_dagster.cms.schema import search_documents
from mediaflow_dagster.cms.search import store
from mediaflow_dagster.cms.search.query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    ParsedText,
    Phrase,
    SearchAnswer,
    SearchQuery,
    hit,
)
from mediaflow_dagster.cms.search.sql import (
    documents,
    facet_counts,
    filters,
    near_words,
    order,
    parsed_with_typos,
)

NAME = "sqlite"
SNIPPET_TOKENS = 16
PREFIX_LETTERS = 3
fts = table("search_fts", column("rowid"))
_vocabularies: dict[str, tuple[int, dict[str, list[str]]]] = {}
_reading = Lock()


def _vocabulary(connection: Connection) -> dict[str, list[str]]:
    """The index's words by first letter, read again when the index changed."""
    key = str(connection.engine.url)
    current = store.generation(connection)
    cached = _vocabularies.get(key)
    if cached and cached[0] == current:
        return cached[1]
    with _reading:
        by_letter: dict[str, list[str]] = defaultdict(list)
        for term in connection.execute(
            text("SELECT term FROM search_fts_terms WHERE length(term) >= 4")
        ).scalars():
            by_letter[term[0]].append(term)
        _vocabularies[key] = (current, dict(by_letter))
    return _vocabularies[key][1]


def _quoted(phrase: Phrase) -> str:
    return '"' + " ".join(phrase) + '"'


def match_expression(parsed: ParsedText) -> str | None:
    """The FTS5 query of the parsed text: every word quoted, so nothing a person typed is FTS5
    syntax; the last word of the text also matches as a prefix (as one types), from
    `PREFIX_LETTERS` letters. None when nothing must match (no text, or only exclusions)."""
    if not parsed.clauses:
        return None
    clauses = [[_quoted(phrase) for phrase in clause] for clause in parsed.clauses]
    last = parsed.clauses[-1][0]
    if len(last) == 1 and len(last[0]) >= PREFIX_LETTERS:
        clauses[-1][0] += "*"
    required = " AND ".join("(" + " OR ".join(clause) + ")" for clause in clauses)
    if parsed.excluded:
        excluded = " OR ".join(_quoted(phrase) for phrase in parsed.excluded)
        return f"({required}) NOT ({excluded})"
    return required


def search(connection: Connection, query: SearchQuery) -> SearchAnswer:
    vocabulary: dict[str, list[str]] | None = None

    def alternatives(terms: list[str]) -> dict[str, list[str]]:
        nonlocal vocabulary
        vocabulary = vocabulary or _vocabulary(connection)
        return {term: near_words(term, vocabulary.get(term[0], [])) for term in terms}

    parsed = parsed_with_typos(query, alternatives)
    conditions = filters(query)
    if parsed.excluded and not parsed.clauses:
        excluded = " OR ".join(_quoted(phrase) for phrase in parsed.excluded)
        conditions.append(
            documents.key.not_in(
                select(fts.c.rowid)
                .where(text("search_fts MATCH :excluded"))
                .params(excluded=excluded)
            )
        )
    expression = match_expression(parsed)
    if expression is None:
        return _browse(connection, query, conditions)
    conditions.append(text("search_fts MATCH :match").bindparams(match=expression))
    source = search_documents.join(fts, fts.c.rowid == documents.key)
    facets, total = facet_counts(connection, source, conditions)
    rank = literal_column("bm25(search_fts, 10.0, 1.0)")
    rows = connection.execute(
        select(
            documents.document,
            literal_column(
                f"highlight(search_fts, 0, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}')"
            ).label("title_html"),
            literal_column(
                f"snippet(search_fts, 1, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '…', "
                f"{SNIPPET_TOKENS})"
            ).label("snippet"),
        )
        .select_from(source)
        .where(and_(*conditions))
        .order_by(*order(query, rank))
        .limit(query.per_page)
        .offset(query.offset)
    )
    hits = [hit(row.document, row.title_html, row.snippet) for row in rows]
    return SearchAnswer(hits, total, facets, NAME, query.page, query.per_page)


def _browse(connection: Connection, query: SearchQuery, conditions: list) -> SearchAnswer:
    """Every document under the filters, newest first unless sorted otherwise."""
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
