"""The search index: campaigns, campaign objects and media, kept current from the ops store."""

from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, asset
from pydantic import Field

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.search import SearchIndex


class SearchIndexConfig(Config):
    rebuild: bool = Field(
        default=False,
        description="Make every document again (and Meilisearch's settings) instead of those "
        "of what changed since the last run.",
    )


@asset(key_prefix=OPS, group_name="search", kinds={"sqlite", "postgres", "meilisearch"})
def search_index(
    context: AssetExecutionContext,
    config: SearchIndexConfig,
    ops_store: OpsStore,
    search: SearchIndex,
) -> MaterializeResult:
    """The documents of what changed in the ops store since the last run (every document on a
    rebuild), those of deleted entities removed, in the database's full-text index; then, when
    Meilisearch is the backend, the same changes sent to it in batches, each task awaited. A
    Meilisearch that fails fails the run with its error, the database's index current all the
    same: searches answer from it meanwhile, and the next run sends Meilisearch what it missed."""
    report = search.sync(ops_store.engine, rebuild=config.rebuild)
    metadata = {
        "indexed": report.indexed,
        "deleted": report.deleted,
        "documents": report.documents,
        "rebuilt": report.rebuilt,
        "backend": search.search_backend,
    }
    if report.meilisearch_indexed is not None:
        metadata |= {
            "meilisearch_indexed": report.meilisearch_indexed,
            "meilisearch_deleted": report.meilisearch_deleted,
        }
    if report.meilisearch_error:
        raise Failure(
            f"Meilisearch did not take the changes: {report.meilisearch_error}", metadata=metadata
        )
    context.log.info(f"indexed {report.indexed}, removed {report.deleted}")
    return MaterializeResult(metadata=metadata)
