"""Search over campaigns, campaign objects and media, behind one resource whatever answers.

`search_backend` chooses: `database` searches the ops store's own full-text index (SQLite FTS5
on the embedded default, PostgreSQL full-text search in production); `meilisearch` searches a
Meilisearch server (`meilisearch_url`, `meilisearch_api_key`). The database's index is kept
current in both cases: it is Meilisearch's source and its fallback. A search Meilisearch cannot
answer (down, unreachable, its index not made yet) is answered from the database, and the answer
says so (`fallback_reason`); after such a failure Meilisearch is left alone for
`meilisearch_retry_seconds`, so that a dead server costs one timeout, not one per search.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, Literal

from dagster import ConfigurableResource
from meilisearch.errors import MeilisearchError
from pydantic import Field, model_validator
from sqlalchemy import Connection, Engine

from mediaflow_dagster.cms.database import Bind, transaction, utcnow
from mediaflow_dagster.cms.search import postgres_fts, sqlite_fts, store
from mediaflow_dagster.cms.search.documents import changed_documents, live_document_ids
from mediaflow_dagster.cms.search.query import SearchAnswer, SearchQuery
from mediaflow_dagster.resources.meilisearch_index import (
    MeilisearchFailed,
    MeilisearchIndex,
    MeilisearchUnavailable,
    unavailability,
)
from mediaflow_dagster.settings import MissingSetting, variable_name

SearchBackend = Literal["database", "meilisearch"]
log = logging.getLogger("mediaflow.search")
VISIBILITY_MARGIN = timedelta(minutes=2)
"""How far back each synchronisation looks again: a change written by a transaction that was
still open when the last synchronisation read is taken now."""
LARGE_CHANGE = 10_000
"""Documents written or removed past which a synchronisation refreshes the planner's
statistics."""
_meilisearch_down_until: dict[str, float] = {}


@dataclass(frozen=True)
class SyncReport:
    indexed: int
    deleted: int
    rebuilt: bool
    documents: int
    meilisearch_indexed: int | None = None
    meilisearch_deleted: int | None = None
    meilisearch_error: str | None = None
    """Why Meilisearch did not take the changes (they wait for the next synchronisation)."""


def database_search(connection: Connection, query: SearchQuery) -> SearchAnswer:
    if connection.dialect.name == "postgresql":
        return postgres_fts.search(connection, query)
    return sqlite_fts.search(connection, query)


class SearchIndex(ConfigurableResource):
    secrets: ClassVar[tuple[str, ...]] = ("meilisearch_api_key",)

    search_backend: SearchBackend = Field(
        default="database",
        description="`database` (the ops store's full-text search) or `meilisearch`.",
    )
    meilisearch_url: str = "http://127.0.0.1:7700"
    meilisearch_api_key: str | None = Field(
        default=None,
        description="The key mediaflow uses (needs documents.*, indexes.*, settings.*, "
        "search, tasks.get); required with the meilisearch backend.",
    )
    meilisearch_index: str = "mediaflow"
    meilisearch_timeout_seconds: float = Field(default=2.0, gt=0)
    meilisearch_task_timeout_seconds: float = Field(default=120.0, gt=0)
    meilisearch_retry_seconds: float = Field(default=30.0, ge=0)
    search_batch_size: int = Field(default=1000, ge=1, le=100_000)

    @model_validator(mode="after")
    def _meilisearch_has_a_key(self) -> SearchIndex:
        if self.search_backend == "meilisearch" and not self.meilisearch_api_key:
            raise MissingSetting([variable_name("meilisearch_api_key")])
        return self

    @property
    def uses_meilisearch(self) -> bool:
        return self.search_backend == "meilisearch"

    def meilisearch(self) -> MeilisearchIndex:
        return MeilisearchIndex(
            self.meilisearch_url,
            self.meilisearch_api_key,
            self.meilisearch_index,
            self.meilisearch_timeout_seconds,
            self.meilisearch_task_timeout_seconds,
        )

    # searching

    def search(self, bind: Bind, query: SearchQuery) -> SearchAnswer:
        fallback_reason = None
        if self.uses_meilisearch:
            down_until = _meilisearch_down_until.get(self.meilisearch_url, 0.0)
            if time.monotonic() >= down_until:
                try:
                    return self.meilisearch().search(query)
                except MeilisearchError as error:
                    fallback_reason = unavailability(error)
                    if fallback_reason is None:
                        log.warning("Meilisearch refused a search: %s", error)
                        fallback_reason = "Meilisearch refused the search (see the API's log)"
                    elif "index" not in fallback_reason:
                        _meilisearch_down_until[self.meilisearch_url] = (
                            time.monotonic() + self.meilisearch_retry_seconds
                        )
            else:
                fallback_reason = "Meilisearch failed moments ago; trying it again shortly"
        with transaction(bind) as connection:
            answer = database_search(connection, query)
        answer.fallback_reason = fallback_reason
        return answer

    def status(self, bind: Bind) -> dict[str, Any]:
        with transaction(bind) as connection:
            state = store.index_state(connection)
            database = "postgres" if connection.dialect.name == "postgresql" else "sqlite"
        meilisearch_problem = self.meilisearch().healthy() if self.uses_meilisearch else None
        return {
            "configured_backend": "meilisearch" if self.uses_meilisearch else database,
            "answering_backend": database
            if meilisearch_problem or not self.uses_meilisearch
            else "meilisearch",
            "fallback_reason": meilisearch_problem,
            "documents": state.documents,
            "synced_at": state.synced_at,
            "rebuilt_at": state.rebuilt_at,
            "meilisearch_indexed_before": state.meilisearch_indexed_before,
            "pending_deletions": state.pending_deletions,
        }

    # keeping the index current

    def sync(self, engine: Engine, *, rebuild: bool = False) -> SyncReport:
        """Bring the index up to date with the ops store: the documents of what changed since
        the last synchronisation (every document on a rebuild), those of deleted entities
        removed; then Meilisearch, when it is the backend, takes the same changes.

        When Meilisearch fails, the report says why (`meilisearch_error`): the database's index
        is current all the same, and the next synchronisation sends Meilisearch what it missed.
        """
        started = utcnow()
        with transaction(engine) as connection:
            state = store.index_state(connection)
            since = (
                None
                if rebuild or state.changed_before is None
                else state.changed_before - VISIBILITY_MARGIN
            )
            indexed = 0
            batch: list[dict[str, Any]] = []
            for document in changed_documents(connection, since):
                batch.append(document)
                if len(batch) == self.search_batch_size:
                    store.upsert_documents(connection, batch)
                    indexed, batch = indexed + len(batch), []
            store.upsert_documents(connection, batch)
            indexed += len(batch)
            gone = store.indexed_ids(connection) - live_document_ids(connection)
            deleted = store.delete_documents(connection, gone)
            if rebuild:
                store.prune_words(connection, None)
            if indexed:
                store.merge_pending_entries(connection)
            if since is None or indexed + len(deleted) > LARGE_CHANGE:
                store.refresh_statistics(connection)
            if self.uses_meilisearch:
                store.add_pending_deletions(connection, deleted)
            store.record_change(connection, changed_before=started, rebuilt=rebuild)
            documents = store.index_state(connection).documents
        report = SyncReport(indexed, len(deleted), rebuild, documents)
        if not self.uses_meilisearch:
            return report
        try:
            sent, removed = self.sync_meilisearch(engine, rebuild=rebuild)
        except (MeilisearchFailed, MeilisearchUnavailable) as error:
            return SyncReport(
                indexed, len(deleted), rebuild, documents, meilisearch_error=str(error)
            )
        return SyncReport(indexed, len(deleted), rebuild, documents, sent, removed)

    def sync_meilisearch(self, engine: Engine, *, rebuild: bool = False) -> tuple[int, int]:
        """Send Meilisearch the documents the database indexed since it last took some (all on
        a rebuild, after applying the index's settings) and the deletions waiting for it."""
        meilisearch = self.meilisearch()
        with transaction(engine) as connection:
            state = store.index_state(connection)
        after = None if rebuild else state.meilisearch_indexed_before
        try:
            if rebuild or after is None:
                meilisearch.prepare()
            taken_before = utcnow()
            sent = 0
            with transaction(engine) as connection:
                for batch in store.documents_indexed(connection, after, self.search_batch_size):
                    sent += meilisearch.add(batch)
            with transaction(engine) as connection:
                pending = store.pending_deletions(connection)
            removed = meilisearch.delete(pending, self.search_batch_size)
        except MeilisearchError as error:
            raise MeilisearchUnavailable(unavailability(error) or str(error)) from error
        with transaction(engine) as connection:
            store.clear_pending_deletions(connection, pending)
            store.record_meilisearch(connection, taken_before)
        return sent, removed

    def erase(self, bind: Bind, refs: Iterable[str]) -> list[str]:
        """Remove every document carrying data of the entities `refs` (`contact:5`,
        `campaign:3`): what a GDPR erasure calls, in its own transaction when given one. The
        database's index loses them at once; Meilisearch is asked at once too, and when it cannot
        be reached the deletions wait for the next synchronisation (searches meanwhile answer
        from the database only if Meilisearch is down). Returns the ids removed."""
        with transaction(bind) as connection:
            ids = store.referring_ids(connection, list(refs))
            removed = store.delete_documents(connection, ids)
            if removed:
                store.record_change(connection)
            if self.uses_meilisearch:
                store.add_pending_deletions(connection, removed)
        if self.uses_meilisearch and removed:
            try:
                self.meilisearch().delete(removed, self.search_batch_size)
            except MeilisearchError:
                return removed
            with transaction(bind) as connection:
                store.clear_pending_deletions(connection, removed)
        return removed
