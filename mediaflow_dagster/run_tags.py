"""The tags the run queue limits runs by (`tag_concurrency_limits` in deploy/dagster.yaml): a
run that talks to a platform carries one tag per platform it talks to, and the warehouse build
its own. Each tag key has its own limit, so a run holds a place in the queue of every platform
it reads or publishes to; a platform's rate limit, not the workers, is the bottleneck."""

from collections.abc import Iterable

PLATFORM_TAG_PREFIX = "mediaflow.platform/"
WAREHOUSE_TAG = "mediaflow/warehouse"


def platform_tags(platforms: Iterable[str]) -> dict[str, str]:
    return {f"{PLATFORM_TAG_PREFIX}{platform}": "true" for platform in sorted(set(platforms))}


WAREHOUSE_TAGS = {WAREHOUSE_TAG: "true"}
