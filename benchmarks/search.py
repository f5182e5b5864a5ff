"""Search: indexing time per backend and search latency over fixed queries; with `--relevance`,
the relevance suite's precision@5 per backend.

Performance, on a fresh SQLite ops store and a fresh PostgreSQL database:

1. lands `--objects` campaign objects (100 a campaign, one in four with a media file; words from
   a French and English vocabulary drawn with a seed: the same corpus every time);
2. times the first full synchronisation of the index (`SearchIndex.sync`: documents built,
   written, full-text structures filled by the triggers) on each database, then Meilisearch's
   (the sandbox's stand-in, through the official client: it times the client, the batches and
   the HTTP, not a real Meilisearch's indexing);
3. runs `--queries` fixed queries (one or two words, a third with a typo, a third with a filter;
   facets always computed) at the resource, then through the API (`GET /api/search` with an
   analyst's key, the whole ASGI stack in-process: authentication, rate limit, transaction),
   and prints p50 / p95 / p99 per database, elapsed and in CPU time of the benchmark's process.

    .venv/bin/python benchmarks/search.py [--objects 100000] [--queries 1000]
    .venv/bin/python benchmarks/search.py --relevance
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, make_url, text
from starlette.testclient import TestClient

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.api.scopes import scopes_of
from mediaflow_dagster.cms.api_keys import create_key
from mediaflow_dagster.cms.database import migrate, ops_engine, utcnow
from mediaflow_dagster.cms.search.query import SearchQuery
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.search import SearchIndex
from mediaflow_dagster.settings import Settings, get_settings
from mediaflow_sandbox.control import client_environment, running_sandbox
from mediaflow_sandbox.processes import free_local_ports, settings_environment
from mediaflow_sandbox.search_corpus import (
    RELEVANCE_CAMPAIGNS,
    RELEVANCE_CASES,
    land_campaigns,
    precision_at,
    synthetic_campaigns,
    synthetic_queries,
)
from mediaflow_sandbox.settings import Credentials, SandboxSettings

POSTGRES_SERVER = os.environ.get(
    "MEDIAFLOW_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
console = Console()


@contextmanager
def stores(home: Path) -> Iterator[list[Settings]]:
    """Settings for a fresh SQLite store and a fresh PostgreSQL database (dropped afterwards)."""
    name = f"mediaflow_search_{uuid.uuid4().hex[:8]}"
    server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    try:
        yield [
            Settings(backend="embedded", home=home / "embedded"),
            Settings(backend="postgres", home=home / "postgres", postgres_url=SecretStr(url)),
        ]
    finally:
        ops_engine.cache_clear()
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@contextmanager
def sandbox(home: Path) -> Iterator[SandboxSettings]:
    port, tls_port = free_local_ports(2)
    chosen = SandboxSettings(home=home / "sandbox", port=port, tls_port=tls_port)
    with running_sandbox(chosen):
        yield chosen


def database_name(settings: Settings) -> str:
    return "PostgreSQL" if settings.backend == "postgres" else "SQLite"


def percentiles(samples: tuple[list[float], list[float]]) -> str:
    """Elapsed time, then the CPU time of this process (on SQLite the whole search; on
    PostgreSQL the client's part): on a loaded machine the first waits for a core, the second
    does not."""
    elapsed, cpu = (statistics.quantiles(times, n=100) for times in samples)
    return (
        f"p50 {elapsed[49]:.1f} ms, p95 {elapsed[94]:.1f} ms, p99 {elapsed[98]:.1f} ms "
        f"(CPU p50 {cpu[49]:.1f} ms, p95 {cpu[94]:.1f} ms)"
    )


def timed(
    run: Callable[[dict[str, Any]], Any], queries: list[dict[str, Any]]
) -> tuple[list[float], list[float]]:
    for query in queries[:20]:
        run(query)
    elapsed, cpu = [], []
    for query in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        run(query)
        elapsed.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return elapsed, cpu


def performance(objects: int, query_count: int) -> None:
    queries = synthetic_queries(query_count)
    rows: list[tuple[str, str]] = []

    def record(what: str, figure: str) -> None:
        rows.append((what, figure))
        console.print(f"{what}: {figure}")

    with tempfile.TemporaryDirectory() as folder, stores(Path(folder)) as chosen:
        os.environ.update(
            {f"MEDIAFLOW_{k.upper()}": v for k, v in Credentials.new().model_dump().items()}
            | {"MEDIAFLOW_RATE_LIMIT": "1000000/minute"}
        )
        with sandbox(Path(folder)) as sandboxed:
            for settings in chosen:
                settings.home.mkdir(parents=True, exist_ok=True)
                os.environ.update(settings_environment(settings))
                get_settings.cache_clear()
                engine = ops_engine(settings.ops_database_url)
                migrate(engine)
                started = time.perf_counter()
                land_campaigns(
                    engine,
                    synthetic_campaigns(objects),
                    written_at=utcnow() - timedelta(hours=1),
                )
                landed = time.perf_counter() - started
                index = SearchIndex()
                started = time.perf_counter()
                report = index.sync(engine)
                indexing = time.perf_counter() - started
                name = database_name(settings)
                record(f"{name}: land {objects:,} objects", f"{landed:.1f} s")
                record(
                    f"{name}: index {report.documents:,} documents (first synchronisation)",
                    f"{indexing:.1f} s ({report.documents / indexing:,.0f} documents/s)",
                )
                if settings.backend == "embedded":
                    os.environ.update(client_environment(sandboxed))
                    meilisearch = client_from_environment(
                        SearchIndex, search_backend="meilisearch", search_batch_size=5000
                    )
                    started = time.perf_counter()
                    sent, _ = meilisearch.sync_meilisearch(engine, rebuild=True)
                    elapsed = time.perf_counter() - started
                    record(
                        f"Meilisearch (sandbox stand-in): send {sent:,} documents",
                        f"{elapsed:.1f} s",
                    )
                resource = timed(
                    lambda query, index=index, engine=engine: index.search(
                        engine, SearchQuery(**query)
                    ),
                    queries,
                )
                record(f"{name}: {query_count} searches at the resource", percentiles(resource))
                app = create_app(settings)
                key, _ = create_key(
                    engine,
                    name="bench",
                    scopes=sorted(scopes_of(["analyst"])),
                    created_by="bench",
                    expires_at=utcnow() + timedelta(days=1),
                )
                with TestClient(app, headers={"authorization": f"Bearer {key}"}) as client:

                    def through_api(query, client=client):
                        params = {"q": query["text"]} | {
                            name: value for name, value in query.items() if name != "text"
                        }
                        answer = client.get("/api/search", params=params)
                        assert answer.status_code == 200, answer.text

                    api = timed(through_api, queries)
                record(f"{name}: {query_count} searches through the API", percentiles(api))
    table = Table("what", "figure", title=f"search over {objects:,} objects")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def relevance() -> None:
    found: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder, stores(Path(folder)) as chosen:
        os.environ.update(
            {f"MEDIAFLOW_{k.upper()}": v for k, v in Credentials.new().model_dump().items()}
        )
        with sandbox(Path(folder)) as sandboxed:
            os.environ.update(client_environment(sandboxed))
            backends = [
                (database_name(settings), settings, SearchIndex()) for settings in chosen
            ] + [
                (
                    "Meilisearch (sandbox)",
                    Settings(backend="embedded", home=Path(folder) / "meilisearch"),
                    client_from_environment(SearchIndex, search_backend="meilisearch"),
                )
            ]
            for name, settings, index in backends:
                settings.home.mkdir(parents=True, exist_ok=True)
                engine = ops_engine(settings.ops_database_url)
                migrate(engine)
                land_campaigns(engine, RELEVANCE_CAMPAIGNS)
                index.sync(engine)
                found[name] = {
                    case.name: precision_at(
                        5,
                        [
                            hit.title
                            for hit in index.search(
                                engine, SearchQuery(text=case.text, **case.filters)
                            ).hits
                        ],
                        case,
                    )
                    for case in RELEVANCE_CASES
                }
    table = Table("query", *found, title="precision@5")
    for case in RELEVANCE_CASES:
        table.add_row(
            f"{case.name}: {case.text}", *(f"{found[name][case.name]:.2f}" for name in found)
        )
    table.add_row(
        "[bold]mean",
        *(f"[bold]{statistics.mean(scores.values()):.3f}" for scores in found.values()),
    )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--relevance", action="store_true", help="the relevance suite instead")
    arguments = parser.parse_args()
    if arguments.relevance:
        relevance()
    else:
        performance(arguments.objects, arguments.queries)


if __name__ == "__main__":
    main()
