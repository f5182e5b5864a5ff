"""Content sourcing: stock photos and feed ideas for a campaign, landed in the ops store as
candidates its users pick from (each once: a later run adds only what is new)."""

from dataclasses import asdict
from typing import Any

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset
from sqlalchemy import Engine

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.campaigns import get_campaign
from mediaflow_dagster.cms.sourcing import land_candidates, list_candidates
from mediaflow_dagster.partitions import campaign_partitions
from mediaflow_dagster.resources.feeds import ContentFeeds, FeedEntry, FeedUnreadable
from mediaflow_dagster.resources.http import ServiceUnavailable
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.stock_photos import PROVIDERS, PhotoSearchRefused, StockPhotos
from mediaflow_dagster.tables import markdown_table

PREVIEW_ROWS = 20


@asset(
    key_prefix=OPS,
    group_name="sourcing",
    partitions_def=campaign_partitions,
    kinds={"unsplash", "pexels"},
)
def image_candidates(
    context: AssetExecutionContext, ops_store: OpsStore, stock_photos: StockPhotos
) -> MaterializeResult:
    """Photos Unsplash and Pexels find for each of the campaign's topics (its name when it has
    none), landed as image candidates. A provider that fails costs only its own photos: the
    others land, then the run fails naming it."""
    engine = ops_store.engine
    campaign_id = int(context.partition_key)
    campaign = get_campaign(engine, campaign_id)
    queries = campaign["topics"] or [campaign["name"]]
    by_source, failures = [], []
    for provider in PROVIDERS:
        found = []
        try:
            for query in queries:
                found += stock_photos.search(provider, query)
        except (PhotoSearchRefused, ServiceUnavailable) as error:
            failures.append(f"{provider}: {error}")
        landed = land_candidates(
            engine, campaign_id, [asdict(photo) | {"kind": "image"} for photo in found]
        )
        by_source.append({"source": provider, "found": len(found), "new": landed})
    new = sum(row["new"] for row in by_source)
    metadata = _landed(engine, campaign_id, "image", by_source, new)
    if failures:
        raise Failure(f"photo search failed on {'; '.join(failures)}", metadata=metadata)
    return MaterializeResult(metadata=metadata)


@asset(key_prefix=OPS, group_name="sourcing", partitions_def=campaign_partitions, kinds={"rss"})
def content_ideas(
    context: AssetExecutionContext, ops_store: OpsStore, content_feeds: ContentFeeds
) -> MaterializeResult:
    """Entries of the configured RSS and Atom feeds that mention one of the campaign's topics
    (every entry when none does), landed as idea candidates. A feed that cannot be read costs
    only its own entries: the others land, then the run fails naming it."""
    engine = ops_store.engine
    campaign_id = int(context.partition_key)
    topics = get_campaign(engine, campaign_id)["topics"]
    if not content_feeds.content_feed_urls:
        context.log.warning("no content feeds are configured: set MEDIAFLOW_CONTENT_FEED_URLS")
    read: dict[str, list[FeedEntry]] = {}
    failures = []
    for url in content_feeds.content_feed_urls:
        try:
            read[url] = content_feeds.read(url)
        except (FeedUnreadable, ServiceUnavailable) as error:
            failures.append(str(error))
    kept = {
        url: [entry for entry in entries if any(entry.mentions(topic) for topic in topics)]
        for url, entries in read.items()
    }
    if not any(kept.values()):
        kept = read
    new = land_candidates(
        engine, campaign_id, [_idea(entry) for entries in kept.values() for entry in entries]
    )
    by_feed = [{"source": url, "entries": len(read[url]), "kept": len(kept[url])} for url in read]
    metadata = _landed(engine, campaign_id, "idea", by_feed, new)
    if failures:
        raise Failure(
            f"{len(failures)} feed(s) unreadable: {'; '.join(failures)}", metadata=metadata
        )
    return MaterializeResult(metadata=metadata)


def _idea(entry: FeedEntry) -> dict[str, Any]:
    return {
        "source": "rss",
        "kind": "idea",
        "external_id": entry.external_id,
        "title": entry.title,
        "summary": entry.summary,
        "url": entry.url,
        "author": entry.author,
        "author_url": entry.author_url,
        "published_at": entry.published_at,
    }


def _landed(
    engine: Engine, campaign_id: int, kind: str, by_source: list[dict[str, Any]], new: int
) -> dict[str, Any]:
    """What the run found per source, how many candidates are new, and the campaign's latest
    candidates of `kind`."""
    candidates = list_candidates(engine, campaign_id, kind)
    preview = [
        {
            "id": candidate["id"],
            "source": candidate["source"],
            "title": candidate["title"],
            "author": candidate["author"],
            "link": candidate["preview_url"] or candidate["url"],
            "picked": "yes" if candidate["picked_at"] else "",
        }
        for candidate in candidates[-PREVIEW_ROWS:]
    ]
    return {
        "by_source": MetadataValue.md(markdown_table(by_source)),
        "new": new,
        "candidates": len(candidates),
        "preview": MetadataValue.md(markdown_table(preview)),
    }
