"""Meilisearch through its official Python client: the index's settings, documents in batches,
every task awaited and a failed one raised with Meilisearch's own error, and searches with
filters, facets, sorting and highlighted snippets.

Meilisearch is a copy of the database's index (`cms/search/store.py`): it takes the documents the
database indexed since it last took some, and the deletions waiting for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import meilisearch
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)

from mediaflow_dagster.cms.search.query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    SNIPPET_CHARS,
    SYNONYMS,
    Hit,
    SearchAnswer,
    SearchQuery,
    empty_facets,
    marked,
)
from mediaflow_dagster.cms.search.sql import CAMPAIGN_FACET_VALUES

NAME = "meilisearch"
FACET_ATTRIBUTES = {
    "type": "type",
    "status": "status",
    "kind": "kind",
    "platform": "platforms",
    "campaign": "campaign_id",
}
INDEX_SETTINGS: dict[str, Any] = {
    "searchableAttributes": ["title", "hashtags", "text", "campaign", "file_name"],
    "filterableAttributes": [
        "id",
        "type",
        "status",
        "kind",
        "platforms",
        "campaign_id",
        "timestamp",
        "approved",
        "refs",
    ],
    "sortableAttributes": ["timestamp", "title"],
    "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    "synonyms": SYNONYMS,
    "localizedAttributes": [{"attributePatterns": ["*"], "locales": ["fra", "eng"]}],
    "faceting": {"maxValuesPerFacet": 100},
    "pagination": {"maxTotalHits": 100_000},
}
SORTS = {
    "date:desc": ["timestamp:desc"],
    "date:asc": ["timestamp:asc"],
    "title:asc": ["title:asc"],
    "title:desc": ["title:desc"],
}
CROP_WORDS = 24


class MeilisearchFailed(RuntimeError):
    """A Meilisearch task failed or Meilisearch refused a request; the message is its own."""


class MeilisearchUnavailable(RuntimeError):
    """Meilisearch cannot answer (down, unreachable, too slow, or the index not made yet)."""


def unavailability(error: MeilisearchError) -> str | None:
    """Why Meilisearch cannot answer now, when that is what `error` says; None for a refusal
    that would come again (a bug to surface, not a reason to fall back)."""
    if isinstance(error, MeilisearchCommunicationError | MeilisearchTimeoutError):
        return f"Meilisearch is unreachable ({type(error).__name__})"
    if isinstance(error, MeilisearchApiError):
        if error.code == "index_not_found":
            return "the Meilisearch index does not exist yet"
        if error.code in ("missing_authorization_header", "invalid_api_key"):
            return f"Meilisearch refused mediaflow's key ({error.code})"
        if error.status_code >= 500 or error.status_code == 429:
            return f"Meilisearch answered {error.status_code}"
    return None


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _epoch(day) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


def search_parameters(query: SearchQuery) -> dict[str, Any]:
    filters = []
    for attribute, value in (
        ("type", query.type),
        ("status", query.status),
        ("platforms", query.platform),
    ):
        if value:
            filters.append(f"{attribute} = {_quoted(value)}")
    if query.campaign_id is not None:
        filters.append(f"campaign_id = {int(query.campaign_id)}")
    if query.date_from:
        filters.append(f"timestamp >= {_epoch(query.date_from)}")
    if query.date_to:
        filters.append(f"timestamp < {_epoch(query.date_to + timedelta(days=1))}")
    parameters: dict[str, Any] = {
        "facets": list(FACET_ATTRIBUTES.values()),
        "matchingStrategy": "all",
        "page": query.page,
        "hitsPerPage": query.per_page,
        "attributesToHighlight": ["title", "text"],
        "attributesToCrop": ["text"],
        "cropLength": CROP_WORDS,
        "highlightPreTag": HIGHLIGHT_START,
        "highlightPostTag": HIGHLIGHT_END,
    }
    if filters:
        parameters["filter"] = " AND ".join(filters)
    if query.sort in SORTS:
        parameters["sort"] = SORTS[query.sort]
    return parameters


def answer(result: dict[str, Any], query: SearchQuery) -> SearchAnswer:
    facets = empty_facets()
    distribution = result.get("facetDistribution", {})
    for name, attribute in FACET_ATTRIBUTES.items():
        counts = distribution.get(attribute, {})
        if name == "campaign":
            counts = dict(
                sorted(counts.items(), key=lambda item: (-item[1], int(item[0])))[
                    :CAMPAIGN_FACET_VALUES
                ]
            )
        facets[name] = dict(counts)
    hits = []
    for found in result["hits"]:
        formatted = found.get("_formatted", {})
        document = {key: value for key, value in found.items() if not key.startswith("_")}
        snippet = formatted.get("text") or ""
        hits.append(
            Hit(
                id=document["id"],
                type=document["type"],
                title=document["title"],
                title_html=marked(formatted.get("title") or document["title"]),
                snippet=marked(
                    snippet if HIGHLIGHT_START in snippet else document["text"][:SNIPPET_CHARS]
                ),
                document=document,
            )
        )
    return SearchAnswer(
        hits, result.get("totalHits", len(hits)), facets, NAME, query.page, query.per_page
    )


class MeilisearchIndex:
    def __init__(
        self,
        url: str,
        api_key: str | None,
        index_uid: str,
        timeout_seconds: float,
        task_timeout_seconds: float,
    ) -> None:
        self._client = meilisearch.Client(url, api_key, timeout=timeout_seconds)
        self._uid = index_uid
        self._task_timeout_ms = int(task_timeout_seconds * 1000)

    @property
    def index(self):
        return self._client.index(self._uid)

    def healthy(self) -> str | None:
        """None when Meilisearch answers its health check, otherwise why not."""
        try:
            self._client.health()
        except MeilisearchError as error:
            return unavailability(error) or str(error)
        return None

    def _awaited(self, task_uid: int) -> None:
        task = self._client.wait_for_task(task_uid, timeout_in_ms=self._task_timeout_ms)
        if task.status != "succeeded":
            error = task.error or {}
            raise MeilisearchFailed(
                f"Meilisearch task {task.uid} ({task.type}) {task.status}: "
                f"{error.get('code', '')} {error.get('message', '')}".strip()
            )

    def prepare(self) -> None:
        """Make the index if it is missing and apply its settings (awaited)."""
        try:
            self._client.get_index(self._uid)
        except MeilisearchApiError as error:
            if error.code != "index_not_found":
                raise
            self._awaited(self._client.create_index(self._uid, {"primaryKey": "id"}).task_uid)
        self._awaited(self.index.update_settings(INDEX_SETTINGS).task_uid)

    def add(self, documents: list[dict[str, Any]]) -> int:
        """Add or replace the documents (one batch, awaited); how many."""
        if documents:
            self._awaited(self.index.add_documents(documents, primary_key="id").task_uid)
        return len(documents)

    def delete(self, ids: Iterable[str], batch_size: int) -> int:
        ids = sorted(ids)
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            listed = ", ".join(_quoted(id_) for id_ in chunk)
            self._awaited(self.index.delete_documents(filter=f"id IN [{listed}]").task_uid)
        return len(ids)

    def search(self, query: SearchQuery) -> SearchAnswer:
        return answer(self.index.search(query.text, search_parameters(query)), query)
