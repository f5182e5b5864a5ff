"""The relevance suite: the same queries (exact words, typos, accents, French plurals, hashtags,
filters, synonyms, phrases) on every backend, each scored by precision@5 against the documents
that answer it. `benchmarks/search.py --relevance` prints the figures per backend."""

from __future__ import annotations

import uuid
from datetime import timedelta
from statistics import mean

import pytest

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.search.query import SearchQuery
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.search import SearchIndex
from mediaflow_sandbox.search_corpus import (
    RELEVANCE_CAMPAIGNS,
    RELEVANCE_CASES,
    land_campaigns,
    precision_at,
)

LEAST_MEAN_PRECISION = 0.95
LEAST_CASE_PRECISION = 0.6


def scores(index: SearchIndex, engine, expected_backend: str) -> dict[str, float]:
    land_campaigns(engine, RELEVANCE_CAMPAIGNS, written_at=utcnow() - timedelta(hours=1))
    report = index.sync(engine)
    assert report.meilisearch_error is None
    found = {}
    for case in RELEVANCE_CASES:
        answer = index.search(engine, SearchQuery(text=case.text, **case.filters))
        assert answer.backend == expected_backend
        found[case.name] = precision_at(5, [hit.title for hit in answer.hits], case)
    return found


def check(found: dict[str, float]) -> None:
    weak = {name: score for name, score in found.items() if score < LEAST_CASE_PRECISION}
    assert not weak
    assert mean(found.values()) >= LEAST_MEAN_PRECISION, found


def test_the_database_finds_what_people_look_for(settings, engine):
    check(scores(SearchIndex(), engine, "postgres" if settings.backend == "postgres" else "sqlite"))


@pytest.mark.parametrize("settings", ["embedded"], indirect=True)
def test_meilisearch_finds_what_people_look_for(aimed, sandbox, engine):
    index = client_from_environment(
        SearchIndex,
        search_backend="meilisearch",
        meilisearch_index=f"relevance_{uuid.uuid4().hex[:8]}",
    )

    check(scores(index, engine, "meilisearch"))
