"""Outbound webhooks from the outbox to a receiver on loopback in its own process, which
verifies every Standard Webhooks signature with the reference `standardwebhooks` library and
counts each message id once.

First the throughput: 10,000 `publication_success` events in the outbox, sent as the
`webhook_deliveries` asset sends them (`deliver_due`: claims of 200, 8 in flight). Then the
drain: 10,000 more while the receiver is down (every attempt refused: each delivery waits for
its next attempt on the Standard Webhooks schedule: 5 s, then 5 min for those the same pass
reached again), the receiver back, and `deliver_due` run until the outbox is empty, as the
asset's schedule would; timed from the receiver's return, the wait for the schedule apart. The
receiver must hold each event exactly once.

    .venv/bin/python benchmarks/webhook_outbox.py [--events 10000] [--backend postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, make_url, select, text

from mediaflow_dagster.assets.webhooks import deliver_due
from mediaflow_dagster.cms.database import migrate, ops_engine, utcnow
from mediaflow_dagster.cms.schema import webhook_deliveries
from mediaflow_dagster.cms.webhooks import emit, subscribe
from mediaflow_dagster.resources.webhooks import OutboundWebhooks
from mediaflow_sandbox.processes import free_local_ports

POSTGRES_SERVER = os.environ.get(
    "MEDIAFLOW_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
EMIT_CHUNK = 500
RECEIVER = """
import sys
import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

verifier = Webhook(sys.argv[2])
seen, counts = set(), {"received": 0, "unique": 0, "bad_signatures": 0}

async def hook(request):
    body = await request.body()
    counts["received"] += 1
    try:
        verifier.verify(body, dict(request.headers))
    except WebhookVerificationError:
        counts["bad_signatures"] += 1
        return Response(status_code=400)
    message_id = request.headers["webhook-id"]
    if message_id not in seen:
        seen.add(message_id)
        counts["unique"] += 1
    return Response(status_code=204)

async def count(request):
    return JSONResponse(counts)

app = Starlette(routes=[Route("/hook", hook, methods=["POST"]), Route("/count", count)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--backend", choices=["embedded", "postgres"], default="embedded")
    args = parser.parse_args()
    out = Console()
    with tempfile.TemporaryDirectory(prefix="mediaflow-bench-outbox-") as home:
        database, url = _store(args.backend, Path(home))
        engine = ops_engine(url)
        try:
            migrate(engine)
            figures = _run(engine, args.events, out)
        finally:
            engine.dispose()
            if database:
                _drop(database)
    _report(out, args, figures)
    return 0 if figures["exactly_once"] else 1


def _run(engine, events: int, out: Console) -> dict:
    (port,) = free_local_ports(1)
    sender = OutboundWebhooks(
        webhook_signing_key=uuid.uuid4().hex, webhook_private_addresses_allowed=True
    )
    subscription = subscribe(
        engine,
        url=f"http://127.0.0.1:{port}/hook",
        event_types=["publication_success"],
        description="benchmark receiver",
        created_by="benchmark",
    )
    secret = sender.secret_for(subscription["id"])
    receiver = _start_receiver(port, secret)
    try:
        _fill_outbox(engine, events, "sent")
        started = time.perf_counter()
        outcomes, _ = deliver_due(engine, sender, progress=lambda _: None)
        throughput_seconds = time.perf_counter() - started
        out.print(f"throughput: {dict(outcomes)} in {throughput_seconds:.1f} s")
        counted_up = _counts(port)
    finally:
        _stop(receiver)
    _fill_outbox(engine, events, "drained")
    refused, _ = deliver_due(engine, sender, progress=lambda _: None)
    out.print(f"receiver down: {dict(refused)}")
    receiver = _start_receiver(port, secret)
    try:
        back = time.perf_counter()
        first_attempt_at = None
        while _outstanding(engine):
            attempted_at = time.perf_counter()
            outcomes, _ = deliver_due(engine, sender, progress=lambda _: None)
            if outcomes and first_attempt_at is None:
                first_attempt_at = attempted_at
            time.sleep(0.2)
        drain_seconds = time.perf_counter() - back
        counted_after = _counts(port)
    finally:
        _stop(receiver)
    return {
        "events": events,
        "throughput_seconds": throughput_seconds,
        "drain_seconds": drain_seconds,
        "waiting_for_schedule_seconds": (first_attempt_at or back) - back,
        "refused_while_down": sum(refused.values()),
        "counts": {"receiver up": counted_up, "after its return": counted_after},
        "exactly_once": all(
            counts["unique"] == events and counts["bad_signatures"] == 0
            for counts in (counted_up, counted_after)
        ),
    }


def _counts(port: int) -> dict[str, int]:
    return httpx.get(f"http://127.0.0.1:{port}/count").json()


def _fill_outbox(engine, events: int, batch: str) -> None:
    for start in range(0, events, EMIT_CHUNK):
        with engine.begin() as connection:
            for number in range(start, min(start + EMIT_CHUNK, events)):
                emit(
                    connection,
                    "publication_success",
                    {"batch": batch, "publication_id": number, "platform": "facebook"},
                )


def _outstanding(engine) -> bool:
    with engine.connect() as connection:
        return (
            connection.execute(
                select(webhook_deliveries.c.id)
                .where(webhook_deliveries.c.status == "pending")
                .limit(1)
            ).first()
            is not None
        )


def _start_receiver(port: int, secret: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port), secret])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/count", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the receiver did not start")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


def _store(backend: str, home: Path) -> tuple[str | None, str]:
    if backend != "postgres":
        return None, f"sqlite:///{home / 'ops.sqlite'}"
    database = f"mediaflow_bench_{uuid.uuid4().hex[:8]}"
    server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    server.dispose()
    return database, make_url(POSTGRES_SERVER).set(database=database).render_as_string(False)


def _drop(database: str) -> None:
    server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    server.dispose()


def _report(out: Console, args, figures: dict) -> None:
    table = Table(title=f"Outbound webhooks, {args.backend} ops store, {utcnow():%Y-%m-%d}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    events = figures["events"]
    table.add_row("events per phase", f"{events:,}")
    table.add_row(
        "throughput, receiver up",
        f"{events / figures['throughput_seconds']:,.0f}/s ({figures['throughput_seconds']:.1f} s)",
    )
    table.add_row(
        "attempts refused while the receiver was down", f"{figures['refused_while_down']:,}"
    )
    table.add_row("drain after the receiver came back", f"{figures['drain_seconds']:.1f} s")
    table.add_row(
        "  of which waiting for the retry schedule",
        f"{figures['waiting_for_schedule_seconds']:.1f} s",
    )
    for phase, counts in figures["counts"].items():
        table.add_row(
            f"receiver ({phase}): requests, unique events, bad signatures", json.dumps(counts)
        )
    table.add_row("each event exactly once", "yes" if figures["exactly_once"] else "NO")
    out.print(table)


if __name__ == "__main__":
    sys.exit(main())
