"""The Meilisearch backend through the official client, against the sandbox's Meilisearch: the
index's settings, documents in batches, awaited tasks and their failures, searches, and the
database answering (and saying so) when Meilisearch cannot."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import media_renditions
from mediaflow_dagster.cms.search.query import SearchQuery
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.meilisearch_index import INDEX_SETTINGS, MeilisearchFailed
from mediaflow_dagster.resources.search import SearchIndex
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.search_corpus import RELEVANCE_CAMPAIGNS, land_campaigns


@pytest.fixture
def meilisearch(aimed, sandbox) -> SearchIndex:
    """The search resource on the sandbox's Meilisearch, an index of the test's own."""
    return client_from_environment(
        SearchIndex,
        search_backend="meilisearch",
        meilisearch_index=f"mediaflow_{uuid.uuid4().hex[:8]}",
        meilisearch_retry_seconds=0,
        search_batch_size=10,
    )


@pytest.fixture
def corpus(engine):
    land_campaigns(engine, RELEVANCE_CAMPAIGNS, written_at=utcnow() - timedelta(hours=1))
    return engine


def test_a_synchronisation_sends_settings_and_every_document_in_batches(corpus, meilisearch):
    report = meilisearch.sync(corpus)

    assert (report.meilisearch_indexed, report.meilisearch_error) == (34, None)
    index = meilisearch.meilisearch().index
    settings = index.get_settings()
    assert settings["filterableAttributes"] == INDEX_SETTINGS["filterableAttributes"]
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert index.get_stats().number_of_documents == 34
    tasks = meilisearch.meilisearch()._client.get_tasks({"indexUids": [index.uid]})
    assert {task.status for task in tasks.results} == {"succeeded"}


def test_meilisearch_answers_with_typos_filters_facets_and_highlights(corpus, meilisearch):
    meilisearch.sync(corpus)

    answer = meilisearch.search(corpus, SearchQuery(text="lancment", type="media"))

    assert answer.backend == "meilisearch"
    assert answer.fallback_reason is None
    assert answer.total == 5
    assert answer.facets["type"] == {"media": 5}
    assert answer.facets["platform"]["youtube"] == 4
    assert any("<mark>" in hit.title_html for hit in answer.hits)
    dated = meilisearch.search(corpus, SearchQuery(sort="date:asc", per_page=1))
    assert dated.hits[0].title == "Fête des mères"


def test_changes_deletions_and_erasures_reach_meilisearch(corpus, meilisearch):
    meilisearch.sync(corpus)
    with corpus.begin() as connection:
        connection.execute(delete(media_renditions).where(media_renditions.c.platform == "tiktok"))

    report = meilisearch.sync(corpus)
    erased = meilisearch.erase(corpus, ["campaign:3"])

    assert report.meilisearch_deleted == 1
    assert len(erased) == 4
    assert meilisearch.status(corpus)["pending_deletions"] == 0
    found = meilisearch.search(corpus, SearchQuery(text="lookbook fleurs OR"))
    assert found.backend == "meilisearch"
    titles = [hit.title for hit in meilisearch.search(corpus, SearchQuery(per_page=100)).hits]
    assert "summer-lookbook-tiktok.mp4" not in titles
    assert "Bouquet de fleurs" not in titles
    assert len(titles) == 29


def test_a_failed_task_is_raised_with_meilisearchs_error(meilisearch):
    index = meilisearch.meilisearch()

    with pytest.raises(MeilisearchFailed, match="invalid_document_id"):
        index.add([{"id": "not an id!", "title": "x"}])


def test_an_index_not_made_yet_is_answered_by_the_database(corpus, meilisearch):
    answer = meilisearch.search(corpus, SearchQuery(text="teaser"))

    assert answer.backend in ("sqlite", "postgres")
    assert answer.fallback_reason == "the Meilisearch index does not exist yet"


def test_meilisearch_down_the_database_answers_and_says_so(corpus, meilisearch, sandbox):
    meilisearch.sync(corpus)
    with corpus.begin() as connection:
        connection.execute(delete(media_renditions).where(media_renditions.c.platform == "tiktok"))
    sandbox.set_faults(FaultRule(path_prefix="/meilisearch", error_status=503, error_rate=1.0))
    try:
        answer = meilisearch.search(corpus, SearchQuery(text="teaser"))
        status = meilisearch.status(corpus)
        report = meilisearch.sync(corpus)
    finally:
        sandbox.clear_faults()
    recovered = meilisearch.sync(corpus)

    assert answer.backend in ("sqlite", "postgres")
    assert answer.fallback_reason == "Meilisearch answered 503"
    assert sorted(hit.title for hit in answer.hits) == ["Teaser produit X", "teaser-produit-x.mp4"]
    assert status["answering_backend"] == answer.backend
    assert status["fallback_reason"] == "Meilisearch answered 503"
    assert report.meilisearch_error == "Meilisearch answered 503"
    assert report.documents == 33
    assert (recovered.meilisearch_deleted, recovered.meilisearch_error) == (1, None)
    assert meilisearch.search(corpus, SearchQuery()).total == 33


def test_meilisearch_unreachable_the_database_answers(corpus, aimed):
    unreachable = SearchIndex(
        search_backend="meilisearch",
        meilisearch_url=f"http://127.0.0.1:9/{uuid.uuid4().hex}",
        meilisearch_api_key="key",
        meilisearch_retry_seconds=60,
    )
    SearchIndex().sync(corpus)

    first = unreachable.search(corpus, SearchQuery(text="teaser"))
    second = unreachable.search(corpus, SearchQuery(text="teaser"))

    assert first.fallback_reason.startswith("Meilisearch is unreachable")
    assert second.fallback_reason.startswith("Meilisearch failed moments ago")
    assert second.total == 2


def test_the_meilisearch_backend_needs_its_key():
    with pytest.raises(Exception, match="MEDIAFLOW_MEILISEARCH_API_KEY"):
        SearchIndex(search_backend="meilisearch")
