"""Throughput of dispatching publications to the sandbox's Make scenario webhooks.

Sets up, through the product's own code, an active campaign targeting four accounts (Facebook,
Instagram, X, LinkedIn), one image generated through n8n and copied until there are enough
approved objects for `--publications` publications, then materializes `publish_job` (plan, then
dispatch) in this process on the embedded stores. The `publication_requests` step (the dispatch)
is timed from its Dagster step events. Once Make's callbacks have settled, the sandbox's ground
truth must hold exactly one post per publication.

    PATH=/tmp/probe-venv/bin:$PATH /tmp/probe-venv/bin/python benchmarks/publish_dispatch.py
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _campaign import ACCOUNTS, active_campaign
from dagster import DagsterEventType
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select

from mediaflow_dagster.cms import campaigns
from mediaflow_dagster.cms.publishing import status_counts
from mediaflow_dagster.cms.schema import callback_inbox, campaign_objects, publications
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.demo import DemoStack, demo_stack, generate_content

GOAL_PER_SECOND = 100
SETTLE_TIMEOUT_SECONDS = 180
# What the copies of the generated object keep from it (their id, title and times are their own).
COPIED_COLUMNS = [
    column.name
    for column in campaign_objects.columns
    if column.name not in ("id", "title", "created_at", "updated_at")
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--publications",
        type=int,
        default=1000,
        help="publications to dispatch (rounded up to a multiple of the 4 accounts)",
    )
    args = parser.parse_args()
    if args.publications < 1:
        parser.error("--publications must be at least 1")
    objects = math.ceil(args.publications / len(ACCOUNTS))
    out = Console()
    with tempfile.TemporaryDirectory(prefix="mediaflow-bench-dispatch-") as home:
        settings = Settings(backend="embedded", home=Path(home))
        out.print(f"setting up in {home}: sandbox + API, 4 accounts, {objects} approved objects")
        with demo_stack(settings, Console(quiet=True)) as demo:
            campaign_id = prepare_campaign(demo, objects)
            return measure(demo, campaign_id, out)


def prepare_campaign(demo: DemoStack, objects: int) -> int:
    """An active campaign targeting the four accounts, with `objects` approved image objects."""
    engine = demo.engine
    campaign_id = active_campaign(
        engine, demo.sandbox_settings, "Benchmark dispatch", len(ACCOUNTS)
    )
    first = campaigns.create_object(
        engine,
        campaign_id=campaign_id,
        object_type="image",
        title="Produit X #1",
        sources=["https://cdn.example.com/images/produit-x.jpg"],
        config={"ratio": "4:5"},
    )
    demo.chain.instance.add_dynamic_partitions("campaigns", [str(campaign_id)])
    started = time.monotonic()
    generate_content(demo, campaign_id, [first["id"]])
    generated = campaigns.get_object(engine, first["id"])
    if generated["status"] != "ready" or not generated["media_url"]:
        raise SystemExit(f"n8n did not make the image ready: {generated}")
    print(f"  image generated through n8n + SharePoint in {time.monotonic() - started:.1f} s")
    if objects > 1:
        copied = {column: generated[column] for column in COPIED_COLUMNS}
        with engine.begin() as connection:
            connection.execute(
                insert(campaign_objects),
                [
                    {
                        **copied,
                        "title": f"Produit X #{number}",
                        "created_at": generated["created_at"],
                        "updated_at": generated["updated_at"],
                    }
                    for number in range(2, objects + 1)
                ],
            )
    started = time.monotonic()
    for content in campaigns.objects_in_status(engine, campaign_id, "ready"):
        campaigns.approve_object(engine, content["id"], "benchmark")
    print(f"  {objects} objects approved in {time.monotonic() - started:.1f} s")
    return campaign_id


def measure(demo: DemoStack, campaign_id: int, out: Console) -> int:
    result = demo.chain.run("publish_job", str(campaign_id))
    steps = step_seconds(demo, result.run_id)
    sent = sent_count(result)
    expected = publication_keys(demo, campaign_id)
    counts = status_counts(demo.engine, campaign_id)
    print(
        f"  publish_job run {result.run_id[:8]}: planned in "
        f"{steps.get('ops__publication_plans', float('nan')):.2f} s, by status {counts}"
    )
    seconds = steps["ops__publication_requests"]

    settle_started = time.monotonic()
    callbacks = wait_for_callbacks(demo, campaign_id, len(expected))
    settle_seconds = time.monotonic() - settle_started
    posts = Counter(post["idempotency_key"] for post in demo.sandbox.ground_truth()["posts"])
    duplicates = sum(count - 1 for key, count in posts.items() if key in expected)
    missing = sorted(expected - posts.keys())
    strangers = sorted(posts.keys() - expected)

    recorded_started = time.monotonic()
    demo.chain.run("publication_outcomes_job", str(campaign_id))
    recorded_seconds = time.monotonic() - recorded_started
    final = status_counts(demo.engine, campaign_id)

    per_second = sent / seconds if seconds else float("inf")
    table = Table(title="publication_requests: dispatch to Make scenario webhooks")
    for column in ("publications", "seconds", "per second", "duplicates", "missing"):
        table.add_column(column, justify="right")
    table.add_row(
        str(sent), f"{seconds:.2f}", f"{per_second:.0f}", str(duplicates), str(len(missing))
    )
    out.print(table)
    print(
        f"callbacks: {callbacks}/{len(expected)} in the inbox {settle_seconds:.1f} s after the "
        f"dispatch step ended; recorded by publication_outcomes_job in {recorded_seconds:.1f} s; "
        f"publications by status {final}"
    )
    correct = (
        sent == len(expected)
        and duplicates == 0
        and not missing
        and not strangers
        and callbacks == len(expected)
        and final == {"published": len(expected)}
    )
    goal = "met" if per_second >= GOAL_PER_SECOND else "NOT met"
    verdict = "one post per publication" if correct else "VERIFICATION FAILED"
    if strangers:
        verdict += f" ({len(strangers)} posts for unknown publications)"
    print(
        f"summary: {sent} publications dispatched in {seconds:.2f} s = {per_second:.0f}/s "
        f"(goal ≥ {GOAL_PER_SECOND}/s: {goal}); {duplicates} duplicates, {len(missing)} missing; "
        f"{verdict}"
    )
    return 0 if correct else 1


def step_seconds(demo: DemoStack, run_id: str) -> dict[str, float]:
    """Each step's duration, from its STEP_START to its STEP_SUCCESS (or failure) event."""
    started: dict[str, float] = {}
    durations: dict[str, float] = {}
    for entry in demo.chain.instance.all_logs(run_id):
        event_type = entry.dagster_event_type
        if event_type == DagsterEventType.STEP_START:
            started[entry.step_key] = entry.timestamp
        elif event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            durations[entry.step_key] = entry.timestamp - started[entry.step_key]
    return durations


def sent_count(result: Any) -> int:
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        if materialization.asset_key.to_user_string() == "ops/publication_requests":
            return int(materialization.metadata["sent"].value)
    raise SystemExit("publication_requests did not materialize")


def publication_keys(demo: DemoStack, campaign_id: int) -> set[str]:
    with demo.engine.connect() as connection:
        return set(
            connection.execute(
                select(publications.c.idempotency_key).where(
                    publications.c.campaign_id == campaign_id
                )
            ).scalars()
        )


def wait_for_callbacks(demo: DemoStack, campaign_id: int, expected: int) -> int:
    """Make's callbacks stored in the inbox, once all arrived or none came for a few seconds."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    last, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        with demo.engine.connect() as connection:
            count = connection.execute(
                select(func.count())
                .select_from(callback_inbox)
                .where(
                    callback_inbox.c.source == "make", callback_inbox.c.campaign_id == campaign_id
                )
            ).scalar_one()
        if count >= expected:
            return count
        if count != last:
            last, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > 15:
            return count
        time.sleep(0.2)
    return last


if __name__ == "__main__":
    sys.exit(main())
