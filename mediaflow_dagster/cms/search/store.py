"""The search index kept in the ops store: the documents, the state of the last
synchronisation, and the deletions Meilisearch has yet to take. Every backend writes here: it is
the embedded default's index, PostgreSQL's, and Meilisearch's fallback. The full-text structures
follow the documents by triggers (migration 0010).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from mediaflow_dagster.cms.database import insert_ignoring_duplicates, utcnow
from mediaflow_dagster.cms.schema import (
    PLATFORMS,
    search_documents,
    search_index_state,
    search_pending_deletions,
)
from mediaflow_dagster.cms.search.documents import Document

STATE_ID = 1


def _listed(values: Iterable[str]) -> str:
    """Values as one text column a `LIKE '%|value|%'` finds each of, on both databases."""
    return "|" + "|".join(values) + "|"


def contains(column, value: str):
    return column.like(f"%|{value}|%")


def platform_bit(platform: str) -> int:
    """A platform's bit in `search_documents.platforms`: its position in `PLATFORMS` (a new
    platform goes at the end of the list, so that stored bits keep their meaning)."""
    return 1 << PLATFORMS.index(platform)


def platform_bits(platforms: Iterable[str]) -> int:
    return sum(platform_bit(platform) for platform in set(platforms))


def _row(document: Document, now: datetime) -> dict[str, Any]:
    searchable = [
        document["text"],
        " ".join(f"#{tag.lstrip('#')}" for tag in document["hashtags"]),
        document.get("campaign") or "",
        document.get("file_name") or "",
    ]
    moment = document["date"]
    return {
        "document_id": document["id"],
        "type": document["type"],
        "title": document["title"],
        "body": "\n".join(part for part in searchable if part),
        "status": document["status"],
        "kind": document["kind"],
        "platforms": platform_bits(document["platforms"]),
        "campaign_id": document["campaign_id"],
        "date": datetime.fromisoformat(moment) if moment else None,
        "refs": _listed(document["refs"]),
        "document": document,
        "indexed_at": now,
    }


def upsert_documents(connection: Connection, documents: list[Document]) -> None:
    if not documents:
        return
    now = utcnow()
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(search_documents)
    replaced = {
        column.name: statement.excluded[column.name]
        for column in search_documents.columns
        if column.name not in ("key", "document_id")
    }
    connection.execute(
        statement.on_conflict_do_update(index_elements=["document_id"], set_=replaced),
        [_row(document, now) for document in documents],
    )


def indexed_ids(connection: Connection) -> set[str]:
    return set(connection.execute(select(search_documents.c.document_id)).scalars())


def delete_documents(connection: Connection, ids: Iterable[str]) -> list[str]:
    """Remove the documents; the ids of those there were."""
    ids = sorted(set(ids))
    removed = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        words = _words_of(connection, chunk)
        removed += connection.execute(
            delete(search_documents)
            .where(search_documents.c.document_id.in_(chunk))
            .returning(search_documents.c.document_id)
        ).scalars()
        prune_words(connection, words)
    return removed


def referring_ids(connection: Connection, refs: Iterable[str]) -> list[str]:
    """The documents that carry data of any of the entities `refs` (`contact:5`)."""
    conditions = [contains(search_documents.c.refs, ref) for ref in refs]
    if not conditions:
        return []
    return list(
        connection.execute(select(search_documents.c.document_id).where(or_(*conditions))).scalars()
    )


def _words_of(connection: Connection, ids: list[str]) -> list[str]:
    """PostgreSQL's vocabulary words of the documents about to go (see `prune_words`)."""
    if connection.dialect.name != "postgresql":
        return []
    return list(
        connection.execute(
            text(
                "SELECT DISTINCT word FROM search_documents d "
                "JOIN search_fulltext f ON f.key = d.key, unnest(f.words) AS word "
                "WHERE d.document_id = ANY(:ids)"
            ).bindparams(ids=ids)
        ).scalars()
    )


def prune_words(connection: Connection, candidates: list[str] | None) -> None:
    """Drop from PostgreSQL's vocabulary (what typo tolerance proposes) the words no document
    holds any more: those of `candidates` (the words of deleted documents), or every word when
    None (a full rebuild). SQLite's vocabulary follows its FTS index by itself."""
    if connection.dialect.name != "postgresql" or candidates == []:
        return
    statement = (
        "DELETE FROM search_words w WHERE NOT EXISTS (SELECT 1 FROM search_fulltext f "
        "WHERE f.words @@ quote_literal(w.word)::tsquery)"
    )
    if candidates is None:
        connection.execute(text(statement))
    else:
        connection.execute(
            text(f"{statement} AND w.word = ANY(:words)").bindparams(words=candidates)
        )


def refresh_statistics(connection: Connection) -> None:
    """After a large synchronisation, PostgreSQL's planner learns the index's new size (it
    chooses the GIN indexes over a scan by it); SQLite needs nothing."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("ANALYZE search_documents, search_fulltext, search_facets, search_words")
        )


def merge_pending_entries(connection: Connection) -> int:
    """Move what PostgreSQL's GIN indexes over the index took since the last time (their pending
    lists, kept for fast writes) into the indexes proper: every search would otherwise read a
    pending list through, up to 4 MB an index after a large synchronisation (for a sample's
    small index, every entry it has). The pages merged; SQLite needs nothing."""
    if connection.dialect.name != "postgresql":
        return 0
    return connection.execute(
        text(
            "SELECT coalesce(sum(gin_clean_pending_list(i.indexrelid::regclass)), 0)::integer "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin' AND i.indrelid IN "
            "('search_fulltext'::regclass, 'search_facets'::regclass)"
        )
    ).scalar_one()


@dataclass(frozen=True)
class IndexState:
    changed_before: datetime | None
    generation: int
    synced_at: datetime | None
    rebuilt_at: datetime | None
    meilisearch_indexed_before: datetime | None
    documents: int
    pending_deletions: int


def index_state(connection: Connection) -> IndexState:
    row = connection.execute(
        select(search_index_state).where(search_index_state.c.id == STATE_ID)
    ).first()
    documents = connection.execute(select(func.count()).select_from(search_documents)).scalar()
    pending = connection.execute(
        select(func.count()).select_from(search_pending_deletions)
    ).scalar()
    if row is None:
        return IndexState(None, 0, None, None, None, documents, pending)
    return IndexState(
        row.changed_before,
        row.generation,
        row.synced_at,
        row.rebuilt_at,
        row.meilisearch_indexed_before,
        documents,
        pending,
    )


def generation(connection: Connection) -> int:
    """Changes each time the index does: what a cached vocabulary is checked against."""
    return (
        connection.execute(
            select(search_index_state.c.generation).where(search_index_state.c.id == STATE_ID)
        ).scalar()
        or 0
    )


def record_change(
    connection: Connection,
    *,
    changed_before: datetime | None = None,
    rebuilt: bool = False,
) -> None:
    """A new generation of the index; a synchronisation also moves `changed_before`."""
    now = utcnow()
    values: dict[str, Any] = {"generation": search_index_state.c.generation + 1}
    if changed_before is not None:
        values |= {"changed_before": changed_before, "synced_at": now}
    if rebuilt:
        values["rebuilt_at"] = now
    connection.execute(
        insert_ignoring_duplicates(connection, search_index_state).values(id=STATE_ID, generation=0)
    )
    connection.execute(
        update(search_index_state).where(search_index_state.c.id == STATE_ID).values(**values)
    )


def documents_indexed(
    connection: Connection, after: datetime | None, batch_size: int
) -> Iterator[list[Document]]:
    """The documents (re)indexed after `after` (all when None), in batches: what Meilisearch,
    a copy of this index, has yet to take."""
    query = select(search_documents.c.document).order_by(search_documents.c.key)
    if after is not None:
        query = query.where(search_documents.c.indexed_at > after)
    batch: list[Document] = []
    for (document,) in connection.execute(query):
        batch.append(document)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def record_meilisearch(connection: Connection, indexed_before: datetime) -> None:
    connection.execute(
        update(search_index_state)
        .where(search_index_state.c.id == STATE_ID)
        .values(meilisearch_indexed_before=indexed_before)
    )


def add_pending_deletions(connection: Connection, ids: Iterable[str]) -> None:
    rows = [{"document_id": id_, "requested_at": utcnow()} for id_ in ids]
    if rows:
        connection.execute(insert_ignoring_duplicates(connection, search_pending_deletions), rows)


def pending_deletions(connection: Connection) -> list[str]:
    return list(connection.execute(select(search_pending_deletions.c.document_id)).scalars())


def clear_pending_deletions(connection: Connection, ids: Iterable[str]) -> None:
    ids = list(ids)
    for start in range(0, len(ids), 500):
        connection.execute(
            delete(search_pending_deletions).where(
                search_pending_deletions.c.document_id.in_(ids[start : start + 500])
            )
        )
