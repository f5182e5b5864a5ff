"""The search index on the ops store, on both databases: what it holds, how it follows the ops
store (changes, deletions, erasures, rebuilds) and how it answers any text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from support.hostile_queries import HOSTILE_TEXTS

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import (
    campaign_objects,
    campaign_targets,
    campaigns,
    media_renditions,
    search_documents,
)
from mediaflow_dagster.cms.search import postgres_fts, sql, sqlite_fts, store
from mediaflow_dagster.cms.search.query import SearchQuery
from mediaflow_dagster.resources.search import SearchIndex
from mediaflow_sandbox.search_corpus import RELEVANCE_CAMPAIGNS, land_campaigns


@pytest.fixture
def index() -> SearchIndex:
    return SearchIndex()


@pytest.fixture
def corpus(engine, index):
    land_campaigns(engine, RELEVANCE_CAMPAIGNS, written_at=utcnow() - timedelta(hours=1))
    index.sync(engine)
    return engine


def titles(index, engine, text="", **filters) -> list[str]:
    return [hit.title for hit in index.search(engine, SearchQuery(text=text, **filters)).hits]


def test_a_search_before_any_synchronisation_finds_nothing(engine, index):
    answer = index.search(engine, SearchQuery(text="lancement"))

    assert (answer.total, answer.hits) == (0, [])
    assert index.status(engine)["documents"] == 0


def test_the_index_holds_campaigns_objects_and_media_without_personal_data(corpus, index):
    answer = index.search(corpus, SearchQuery(per_page=100))

    assert answer.facets["type"] == {"campaign": 5, "object": 19, "media": 10}
    assert (answer.total, answer.estimated) == (34, False)
    launch = next(hit for hit in answer.hits if hit.id == "media-1-instagram")
    assert launch.document["file_name"] == "lancement-produit-x-instagram.mp4"
    assert launch.document["platforms"] == ["instagram"]
    assert launch.document["duration_seconds"] == 30.0
    with corpus.connect() as connection:
        stored = connection.execute(select(search_documents.c.document)).scalars().all()
    assert "owner@example.com" not in str(stored)


def test_filters_and_facets_answer_together(corpus, index):
    answer = index.search(corpus, SearchQuery(text="lookbook", type="media", platform="instagram"))

    assert [hit.title for hit in answer.hits] == ["summer-lookbook.mp4"]
    assert answer.facets["platform"] == {"instagram": 1, "tiktok": 1}
    assert answer.facets["type"] == {"media": 1}


def test_matches_are_highlighted_and_the_rest_escaped(corpus, index):
    with corpus.begin() as connection:
        connection.execute(
            update(campaign_objects)
            .where(campaign_objects.c.title == "Annonce presse")
            .values(content_text="<script>alert(1)</script> le lancement", updated_at=utcnow())
        )
    index.sync(corpus)

    hit = index.search(corpus, SearchQuery(text="annonce lancement")).hits[0]

    assert "<" not in hit.snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<mark>lancement</mark>" in hit.snippet.lower()


def test_a_change_is_indexed_by_the_next_synchronisation_alone(corpus, index):
    with corpus.begin() as connection:
        connection.execute(
            update(campaign_objects)
            .where(campaign_objects.c.title == "Beach banner")
            .values(title="Bannière plage", updated_at=utcnow())
        )

    report = index.sync(corpus)

    assert report.indexed < 5
    assert titles(index, corpus, "bannière") == ["Bannière plage", "beach-banner.png"]
    assert "Beach banner" not in titles(index, corpus, "beach")


def test_a_campaign_renamed_renames_it_in_its_documents(corpus, index):
    with corpus.begin() as connection:
        connection.execute(
            update(campaigns)
            .where(campaigns.c.name == "Summer Sale 2026")
            .values(name="Soldes d'été", updated_at=utcnow())
        )
    index.sync(corpus)

    found = index.search(corpus, SearchQuery(text="soldes", type="object")).hits
    assert {hit.document["campaign"] for hit in found} == {"Soldes d'été"}
    assert len(found) == 3


def test_deleted_entities_leave_the_index(corpus, index):
    with corpus.begin() as connection:
        connection.execute(delete(media_renditions).where(media_renditions.c.platform == "tiktok"))

    report = index.sync(corpus)

    assert report.deleted == 1
    assert "summer-lookbook-tiktok.mp4" not in titles(index, corpus, "lookbook")


def test_an_erased_entity_never_appears_again(corpus, index):
    erased = index.erase(corpus, ["campaign:3"])

    assert sorted(erased) == ["campaign-3", "media-8", "object-8", "object-9"]
    assert titles(index, corpus, "fleurs") == []
    assert titles(index, corpus, "mamans") == []
    with corpus.begin() as connection:
        connection.execute(delete(campaign_objects).where(campaign_objects.c.campaign_id == 3))
        connection.execute(delete(campaign_targets).where(campaign_targets.c.campaign_id == 3))
        connection.execute(delete(campaigns).where(campaigns.c.id == 3))
    index.sync(corpus)
    assert titles(index, corpus, "fleurs") == []


def test_a_rebuild_makes_every_document_again(corpus, index):
    with corpus.begin() as connection:
        connection.execute(delete(search_documents))

    report = index.sync(corpus, rebuild=True)

    assert (report.indexed, report.rebuilt) == (34, True)
    assert index.status(corpus)["rebuilt_at"] is not None
    assert titles(index, corpus, "teaser")


def test_typos_plurals_and_accents_find_the_word(corpus, index):
    assert "Recrutement ingénieurs" in titles(index, corpus, "recrutment")
    assert "Bouquet de fleurs" in titles(index, corpus, "fleur")
    assert "Fête des mères" in titles(index, corpus, "FETE des meres")
    assert titles(index, corpus, "teaser -produit") == []


def test_a_page_past_the_end_is_empty_with_the_total(corpus, index):
    answer = index.search(corpus, SearchQuery(text="lancement", page=50, per_page=20))

    assert answer.hits == []
    assert answer.total == 10


def test_any_text_is_only_text(corpus, index):
    for text in HOSTILE_TEXTS:
        answer = index.search(corpus, SearchQuery(text=text))

        assert answer.total >= len(answer.hits), text[:40]
        assert set(answer.facets) == {"type", "status", "kind", "platform", "campaign"}
    assert index.search(corpus, SearchQuery(text="-vidéo")).total == 24
    assert index.search(corpus, SearchQuery(text='"')).total == 34


@pytest.fixture
def broad(monkeypatch):
    """Searches as broad as a large index's: exact counts up to 8 matches, the newest 3 title
    matches ranked, samples of a half or the whole."""
    monkeypatch.setattr(sql, "COUNTED", 8)
    monkeypatch.setattr(sql, "SAMPLE_SHARES", (2, 1))
    monkeypatch.setattr(sql, "SAMPLE_ROWS", 6)
    for module in (sqlite_fts, postgres_fts):
        monkeypatch.setattr(module, "RANKED", 3)


def test_counts_are_exact_up_to_the_bound(corpus, index):
    answer = index.search(corpus, SearchQuery(text="lancement"))

    assert (answer.total, answer.estimated) == (10, False)
    assert sum(answer.facets["type"].values()) == 10


def test_a_broad_search_estimates_its_counts_from_a_sample(corpus, index, broad):
    answer = index.search(corpus, SearchQuery())

    assert answer.estimated
    assert 20 <= answer.total <= 48
    assert sum(answer.facets["type"].values()) == answer.total
    assert set(answer.facets["type"]) <= {"campaign", "object", "media"}


@pytest.mark.parametrize("newest_by_matches", [postgres_fts.NEWEST_BY_MATCHES, 0])
def test_a_broad_search_lists_title_matches_first_and_every_match_once(
    corpus, index, broad, monkeypatch, newest_by_matches
):
    monkeypatch.setattr(postgres_fts, "NEWEST_BY_MATCHES", newest_by_matches)
    answer = index.search(corpus, SearchQuery(text="lancement", per_page=100))
    pages = [
        hit.id
        for page in (1, 2, 3, 4)
        for hit in index.search(corpus, SearchQuery(text="lancement", page=page, per_page=3)).hits
    ]

    assert answer.estimated
    assert all("lancement" in hit.title.lower() for hit in answer.hits[:3])
    assert sorted(pages) == sorted(hit.id for hit in answer.hits)
    assert len(answer.hits) == 10


def test_a_synchronisation_leaves_no_entry_pending_outside_the_indexes(engine, index):
    land_campaigns(engine, RELEVANCE_CAMPAIGNS, written_at=utcnow() - timedelta(hours=1))
    index.sync(engine)

    with engine.begin() as connection:
        assert store.merge_pending_entries(connection) == 0
