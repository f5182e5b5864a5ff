"""Intake of signed callbacks in bursts, on the embedded store and on PostgreSQL, and a crash.

For each backend, on a fresh ops store (an SQLite file, or a new PostgreSQL database):

1. seeds, through the product's own code, what the callbacks refer to: objects waiting for their
   content from n8n, and publications sent to Make with their single-use callback tokens;
2. starts `mediaflow api` as a process of its own on a free loopback port;
3. sends a burst from `--clients` concurrent keep-alive connections: half n8n `content.ready`
   callbacks, half Make `publication.published` ones, signed as n8n and Make sign them (Standard
   Webhooks), `--duplicates` of the deliveries being redeliveries of an event sent a little
   earlier (some of them while the first is still in flight);
4. prints the deliveries answered 2xx per second, the latency percentiles and how the duplicates
   were answered, and checks the store: every event answered 2xx is in the inbox exactly once,
   answered 202 exactly once, and each accepted Make callback spent its token.

Then the crash run, on another fresh store: the same burst, the API killed with SIGKILL once
`--kill-at` of the deliveries were answered, the API started again. Every event answered 2xx
before the kill must be stored exactly once; the events left unanswered are delivered again (as
Make and n8n retry), after which every event of the burst must be stored exactly once.

With `--events modules` the burst is the restaurant modules' events instead (recipes, CRM,
stock and accounting in turn, each signed with its module's secret, at
`POST /api/communication/webhook`), with the same redeliveries, checks and crash run.

The client is a minimal HTTP/1.1 client on asyncio streams (uvloop's loop), every request signed
before the burst starts, so that it takes little of the machine; its own CPU time is printed.
Exits non-zero when a goal is missed or a check fails.

    .venv/bin/python benchmarks/callback_intake.py [--backend embedded|postgres] [--deliveries 4000]
        [--events callbacks|modules]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import uvloop
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, insert, make_url, select, text
from standardwebhooks import Webhook

from mediaflow_dagster.cms import accounts, campaigns
from mediaflow_dagster.cms.database import migrate, ops_engine, utcnow
from mediaflow_dagster.cms.publishing import token_digest
from mediaflow_dagster.cms.schema import callback_inbox, publications
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.processes import background_service, free_local_ports, settings_environment
from mediaflow_sandbox.settings import Credentials

GOAL_PER_SECOND = 2000
GOAL_P99_MS = 50.0
POSTGRES_SERVER = os.environ.get(
    "MEDIAFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
DUPLICATE_WINDOW = 100
"""A redelivery comes within this many deliveries after the first one (retries come soon)."""


@dataclass(frozen=True)
class Event:
    event_id: str
    source: str
    subject_id: int | None
    request: bytes


@dataclass
class Answer:
    event: Event
    status: int | None = None
    outcome: str | None = None
    seconds: float = 0.0


@dataclass
class Burst:
    answers: list[Answer] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0

    @property
    def answered(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.status is not None]

    def succeeded(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.status and 200 <= answer.status < 300]


@dataclass
class Store:
    settings: Settings
    engine: Engine
    environment: dict[str, str]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backend", choices=["embedded", "postgres"], action="append", help="default: both"
    )
    parser.add_argument("--deliveries", type=int, default=4000, help="deliveries per burst")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--duplicates", type=float, default=0.3, help="share of redeliveries")
    parser.add_argument(
        "--kill-at", type=float, default=0.5, help="share of deliveries answered before SIGKILL"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="API processes (MEDIAFLOW_API_WORKERS)"
    )
    parser.add_argument(
        "--events",
        choices=["callbacks", "modules"],
        default="callbacks",
        help="n8n and Make callbacks, or the restaurant modules' events "
        "(POST /api/communication/webhook)",
    )
    parser.add_argument("--no-crash", action="store_true", help="skip the SIGKILL run")
    parser.add_argument("--keep", action="store_true", help="keep the stores and logs")
    args = parser.parse_args()
    if args.deliveries < 10 or not 0 <= args.duplicates < 1 or not 0 < args.kill_at < 1:
        parser.error("--deliveries ≥ 10, 0 ≤ --duplicates < 1, 0 < --kill-at < 1")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    home = Path(tempfile.mkdtemp(prefix="mediaflow-bench-intake-"))
    print(f"home {home}")
    ok = True
    try:
        for backend in args.backend or ["embedded", "postgres"]:
            print(f"{backend}, {args.workers} API process(es):")
            ok &= measure(args, backend, home / backend)
            if not args.no_crash:
                ok &= crash(args, backend, home / f"{backend}-crash")
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    print("all goals met, every check passed" if ok else "A GOAL WAS MISSED OR A CHECK FAILED")
    return 0 if ok else 1


def measure(args: argparse.Namespace, backend: str, home: Path) -> bool:
    with fresh_store(backend, home, args.workers) as store:
        events, deliveries = prepare(store, args)
        with running_api(store, home / "api.log") as api:
            api_cpu = cpu_seconds(api.process.pid)
            server_cpu = database_server_cpu(store.engine)
            burst = uvloop.run(deliver(api.port, deliveries, args.clients))
            api_cpu = cpu_seconds(api.process.pid) - api_cpu
            server_cpu = database_server_cpu(store.engine, since=server_cpu)
        problems = check_stored(store.engine, events, burst)
    succeeded = burst.succeeded()
    per_second = len(succeeded) / burst.seconds
    latencies = sorted(answer.seconds * 1000 for answer in burst.answers)
    p50, p95, p99 = (percentile(latencies, share) for share in (0.50, 0.95, 0.99))
    outcomes = Counter(answer.outcome for answer in burst.answers)
    redeliveries = len(deliveries) - len(events)
    client_us = burst.client_cpu_seconds / len(deliveries) * 1e6
    print(
        f"{backend}: {len(deliveries)} deliveries ({len(events)} events, {redeliveries} "
        f"redeliveries) from {args.clients} connections in {burst.seconds:.2f} s: "
        f"{per_second:,.0f} answered 2xx/s ({outcomes['accepted'] / burst.seconds:,.0f} new "
        f"events stored/s); latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
        f"max {latencies[-1]:.1f} ms"
    )
    print(
        f"  answers: {dict(outcomes)}; CPU a delivery: API {api_cpu / len(deliveries) * 1e6:.0f} "
        f"µs, client {client_us:.0f} µs ({burst.client_cpu_seconds / burst.seconds:.0%} of one "
        f"core){server_share(server_cpu, len(deliveries))}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for problem in problems:
        print(f"  CHECK FAILED: {problem}")
    if not problems:
        print("  store: every event answered 2xx is in the inbox exactly once, tokens spent")
    fast = per_second >= GOAL_PER_SECOND and p99 < GOAL_P99_MS
    print(
        f"  goal ≥ {GOAL_PER_SECOND:,}/s and p99 < {GOAL_P99_MS:g} ms: "
        f"{'met' if fast else 'NOT met'}"
    )
    return fast and not problems


def crash(args: argparse.Namespace, backend: str, home: Path) -> bool:
    kill_after = int(args.deliveries * args.kill_at)
    with fresh_store(backend, home, args.workers) as store:
        events, deliveries = prepare(store, args)
        with running_api(store, home / "api.log") as api:
            processes = api.processes
            burst = uvloop.run(
                deliver(api.port, deliveries, args.clients, kill=(processes, kill_after))
            )
            api.process.wait()
            wait_gone(processes)
        answered_ok = {answer.event.event_id for answer in burst.succeeded()}
        refused = {answer.event.event_id for answer in burst.answered} - answered_ok
        with running_api(store, home / "api-restarted.log") as api:
            before_retry = stored_counts(store.engine)
            lost = sorted(answered_ok - before_retry.keys())
            refused_stored = sorted(refused & before_retry.keys())
            unanswered = [event for event in events if event.event_id not in answered_ok]
            in_store = sum(event.event_id in before_retry for event in unanswered)
            retry = uvloop.run(deliver(api.port, unanswered, args.clients))
        problems = check_stored(store.engine, events, burst, retry)
    print(
        f"{backend}, SIGKILL after {kill_after} answers: {len(burst.answered)} deliveries "
        f"answered ({len(answered_ok)} events 2xx), {len(deliveries) - len(burst.answered)} "
        f"unanswered or never sent; after the restart {len(answered_ok) - len(lost)}/"
        f"{len(answered_ok)} events answered 2xx are stored ({len(lost)} lost); "
        f"{in_store} of the {len(unanswered)} unanswered events were stored (their answer died "
        f"with the process), the others were not"
    )
    if refused_stored:
        problems.append(f"{len(refused_stored)} events answered non-2xx were stored")
    if lost:
        problems.append(f"{len(lost)} events answered 2xx were lost: {lost[:3]}")
    retried = Counter(answer.outcome for answer in retry.answers)
    print(f"  the {len(unanswered)} unanswered events delivered again: {dict(retried)}")
    for problem in problems:
        print(f"  CHECK FAILED: {problem}")
    if not problems:
        print("  nothing lost, nothing doubled: every event of the burst is stored exactly once")
    return not problems


@contextmanager
def fresh_store(backend: str, home: Path, workers: int) -> Iterator[Store]:
    """A migrated, empty ops store for `backend`, and the environment of an API on it."""
    home.mkdir(parents=True)
    with ExitStack() as stack:
        postgres_url = None
        if backend == "postgres":
            postgres_url = stack.enter_context(fresh_database())
        port = free_local_ports(1)[0]
        settings = Settings(
            backend=backend,
            home=home,
            postgres_url=SecretStr(postgres_url) if postgres_url else None,
            api_port=port,
            public_api_url=f"http://127.0.0.1:{port}",
            api_workers=workers,
        )
        credentials = {
            f"MEDIAFLOW_{name.upper()}": value
            for name, value in Credentials.new().model_dump().items()
        }
        environment = (
            settings_environment(settings)
            | credentials
            | {
                "MEDIAFLOW_MICROSOFT_CLIENT_ID": "mediaflow-bench",
                "MEDIAFLOW_SHAREPOINT_DRIVE_ID": "mediaflow-bench-drive",
            }
        )
        engine = ops_engine(settings.ops_database_url)
        migrate(engine)
        stack.callback(engine.dispose)
        yield Store(settings, engine, environment)


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"mediaflow_bench_{uuid.uuid4().hex[:10]}"
    server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@dataclass
class RunningApi:
    port: int
    process: Any

    @property
    def processes(self) -> list[int]:
        """The API's process and its workers' (uvicorn's children when there are several)."""
        return [self.process.pid, *children(self.process.pid)]


@contextmanager
def running_api(store: Store, log_path: Path) -> Iterator[RunningApi]:
    health = f"{store.settings.public_api_url}/health"
    with background_service(
        "mediaflow_dagster.cli", "api", store.environment, health, log_path=log_path
    ) as process:
        yield RunningApi(store.settings.api_port, process)


def prepare(store: Store, args: argparse.Namespace) -> tuple[list[Event], list[Event]]:
    """Seed the subjects of the burst's events; the events, and the deliveries in their order."""
    unique = round(args.deliveries * (1 - args.duplicates))
    events = module_events(store, unique) if args.events == "modules" else callbacks(store, unique)
    chance = random.Random(20261121)
    chance.shuffle(events)
    keyed = [(float(position), event) for position, event in enumerate(events)]
    for _ in range(args.deliveries - unique):
        position = chance.randrange(unique)
        keyed.append((position + chance.uniform(0.5, DUPLICATE_WINDOW), events[position]))
    keyed.sort(key=lambda pair: pair[0])
    return events, [event for _, event in keyed]


def module_events(store: Store, unique: int) -> list[Event]:
    """`unique` events of the recipes, CRM, stock and accounting modules in turn, each signed
    with its module's secret; the inbox keeps them as `<module>:<event id>`."""
    port = store.settings.api_port
    modules = list(MODULE_EVENT)
    signers = {
        module: Webhook(store.environment[f"MEDIAFLOW_{module.upper()}_WEBHOOK_SECRET"])
        for module in modules
    }
    events = []
    for number in range(unique):
        module = modules[number % len(modules)]
        body = MODULE_EVENT[module](number)
        events.append(
            signed(signers[module], port, MODULES_ROUTE, module, None, body, stored_as=module)
        )
    return events


def callbacks(store: Store, unique: int) -> list[Event]:
    """Half n8n `content.ready` callbacks for seeded objects, half Make
    `publication.published` ones for seeded publications sent to Make."""
    contents = unique // 2
    object_ids, publication_tokens = seed(store.engine, contents, unique - contents)
    n8n = Webhook(store.environment["MEDIAFLOW_N8N_CALLBACK_SECRET"])
    make = Webhook(store.environment["MEDIAFLOW_MAKE_CALLBACK_SECRET"])
    port = store.settings.api_port
    events = [
        signed(n8n, port, "/callbacks/n8n", "n8n", object_id, content_ready(object_id))
        for object_id in object_ids
    ] + [
        signed(
            make, port, "/callbacks/make", "make", publication_id, published(publication_id, *sent)
        )
        for publication_id, *sent in publication_tokens
    ]
    return events


def seed(
    engine: Engine, contents: int, publishing: int
) -> tuple[list[int], list[tuple[int, str, str]]]:
    """`contents` objects waiting for their n8n content, and `publishing` publications sent to
    Make (id, idempotency key, callback token); one transaction."""
    started = time.monotonic()
    now = utcnow()
    with engine.begin() as connection:
        account = accounts.create_social_account(
            connection,
            platform="facebook",
            name="bench page",
            account_type="page",
            external_account_id="104857600123456",
            make_connection_id="conn-bench",
            make_scenario_id="scenario-bench",
            make_webhook_url="https://hook.eu1.make.com/bench",
        )
        campaign_id = campaigns.create_campaign(
            connection,
            name="Benchmark intake",
            description=None,
            topics=["benchmark"],
            budget=1000,
            currency="EUR",
            start_date=date.today(),
            end_date=date.today() + timedelta(days=30),
            social_account_ids=[account["id"]],
        )["id"]
        object_ids = []
        for number in range(contents + publishing):
            made = campaigns.create_object(
                connection,
                campaign_id=campaign_id,
                object_type="text",
                title=f"Produit X #{number}",
                sources=[],
                config={},
            )
            object_ids.append(made["id"])
        for object_id in object_ids[:contents]:
            campaigns.transition_object(
                connection, object_id, "generating", generation_request_id=f"{object_id}-first"
            )
        tokens = [f"token-{uuid.uuid4().hex}" for _ in range(publishing)]
        publication_ids = connection.execute(
            insert(publications).returning(publications.c.id, sort_by_parameter_order=True),
            [
                {
                    "object_id": object_id,
                    "social_account_id": account["id"],
                    "campaign_id": campaign_id,
                    "status": "sent",
                    "idempotency_key": f"pub-{object_id}",
                    "attempts": 1,
                    "requested_at": now,
                    "created_at": now,
                    "updated_at": now,
                    "callback_token_hash": token_digest(token),
                }
                for object_id, token in zip(object_ids[contents:], tokens, strict=True)
            ],
        ).scalars()
        keys = [f"pub-{object_id}" for object_id in object_ids[contents:]]
        publication_tokens = list(zip(publication_ids, keys, tokens, strict=True))
    print(
        f"  seeded {contents} objects waiting for content and {publishing} publications sent "
        f"in {time.monotonic() - started:.1f} s"
    )
    return object_ids[:contents], publication_tokens


def content_ready(object_id: int) -> dict[str, Any]:
    return {
        "type": "content.ready",
        "object_id": object_id,
        "request_id": f"{object_id}-first",
        "execution_id": f"exec-{object_id}",
        "workflow": "generate-text",
        "content": {"text": "Produit X arrive ! Découvrez-le.", "hashtags": ["#produitx"]},
    }


def published(publication_id: int, idempotency_key: str, token: str) -> dict[str, Any]:
    return {
        "type": "publication.published",
        "publication_id": publication_id,
        "idempotency_key": idempotency_key,
        "callback_token": token,
        "status": "published",
        "external_id": f"104857600123456_{publication_id}",
        "external_url": f"https://www.facebook.com/104857600123456_{publication_id}",
        "published_at": datetime.now(UTC).isoformat(),
    }


MODULES_ROUTE = "/api/communication/webhook"
MODULE_EVENT = {
    "recipes": lambda number: {
        "type": "recipe.featured",
        "recipe_id": f"r-{number}",
        "name": "Blanquette de veau",
        "price": "18.50",
        "featured_on": "2026-12-04",
    },
    "crm": lambda number: {
        "type": "conversion.recorded",
        "conversion_id": f"order-{number}",
        "kind": "order",
        "amount": "42.00",
        "currency": "EUR",
        "occurred_at": datetime.now(UTC).isoformat(),
        "click_id": f"clk-{number}",
    },
    "stock": lambda number: {
        "type": "stock.low",
        "item_id": f"item-{number}",
        "name": "Truffe noire",
        "quantity": "0.150",
        "threshold": "0.500",
        "unit": "kg",
    },
    "accounting": lambda number: {
        "type": "sales.slow_moving",
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "dishes": [{"dish_id": f"d-{number}", "name": "Tarte fine", "units_sold": 3}],
    },
}


def signed(
    webhook: Webhook,
    port: int,
    path: str,
    source: str,
    subject_id: int | None,
    body: dict,
    stored_as: str | None = None,
) -> Event:
    """The delivery's bytes, as the sender signs them: JSON body, Standard Webhooks headers;
    the event as the inbox keeps it (a module's under `<module>:<event id>`)."""
    event_id = f"evt_{uuid.uuid4().hex}"
    raw = json.dumps(body).encode()
    moment = datetime.now(UTC)
    head = (
        f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(raw)}\r\n"
        f"webhook-id: {event_id}\r\nwebhook-timestamp: {int(moment.timestamp())}\r\n"
        f"webhook-signature: {webhook.sign(event_id, moment, raw.decode())}\r\n\r\n"
    )
    kept_as = f"{stored_as}:{event_id}" if stored_as else event_id
    return Event(kept_as, source, subject_id, head.encode() + raw)


async def deliver(
    port: int,
    deliveries: list[Event],
    clients: int,
    kill: tuple[list[int], int] | None = None,
) -> Burst:
    """Send `deliveries` in order from `clients` keep-alive connections, one request in flight
    on each; with `kill` (pids, answers), SIGKILL those processes once that many were
    answered."""
    burst = Burst(answers=[Answer(event) for event in deliveries])
    pending = iter(burst.answers)
    answered = 0

    async def connection() -> None:
        nonlocal answered
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for answer in pending:
                started = time.perf_counter()
                writer.write(answer.event.request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
                body = await reader.readexactly(length)
                answer.seconds = time.perf_counter() - started
                answer.status = int(head[9:12])
                answer.outcome = json.loads(body).get("status", answer.status)
                answered += 1
                if kill and answered == kill[1]:
                    for pid in kill[0]:
                        os.kill(pid, signal.SIGKILL)
        except (ConnectionError, asyncio.IncompleteReadError):
            if not kill:
                raise
        finally:
            writer.close()

    cpu_started, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(clients)))
    burst.seconds = time.perf_counter() - started
    burst.client_cpu_seconds = time.process_time() - cpu_started
    return burst


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_gone(pids: list[int], timeout: float = 10.0) -> None:
    """Until none of `pids` runs any more (a killed worker can outlive its parent a moment)."""
    deadline = time.monotonic() + timeout
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) process `pid` and its children used so far."""
    total = 0.0
    for process in [pid, *children(pid)]:
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def database_server_cpu(engine: Engine, since: dict[int, float] | None = None) -> dict[int, float]:
    """The CPU time each PostgreSQL backend serving `engine`'s database used so far, less what it
    had used at `since` (backends started since count from zero); empty on SQLite, which runs in
    the API's own process."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as connection:
        backends = connection.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        used = {pid: cpu_seconds(pid) for pid in backends}
    return {pid: seconds - (since or {}).get(pid, 0.0) for pid, seconds in used.items()}


def server_share(server_cpu: dict[int, float], deliveries: int) -> str:
    if not server_cpu:
        return ""
    return f", PostgreSQL server {sum(server_cpu.values()) / deliveries * 1e6:.0f} µs"


def stored_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(callback_inbox.c.event_id))
        return Counter(row.event_id for row in rows)


def check_stored(engine: Engine, events: list[Event], *bursts: Burst) -> list[str]:
    """What is wrong with the store after `bursts` sent `events`: each event answered 2xx must be
    in the inbox once, received, as its subject's; answered `accepted` once; and every accepted
    Make callback must have spent its publication's token."""
    problems = []
    accepted: dict[str, int] = defaultdict(int)
    succeeded = set()
    for burst in bursts:
        for answer in burst.succeeded():
            succeeded.add(answer.event.event_id)
            accepted[answer.event.event_id] += answer.outcome == "accepted"
        other = [a.status for a in burst.answered if not 200 <= a.status < 300]
        if other:
            problems.append(f"answers other than 2xx: {Counter(other)}")
    twice = [event_id for event_id, count in accepted.items() if count > 1]
    if twice:
        problems.append(f"{len(twice)} events answered 202 more than once")
    with engine.connect() as connection:
        rows = {
            row.event_id: row
            for row in connection.execute(
                select(
                    callback_inbox.c.event_id,
                    callback_inbox.c.source,
                    callback_inbox.c.subject_id,
                    callback_inbox.c.status,
                )
            )
        }
        spent = set(
            connection.execute(
                select(publications.c.id).where(publications.c.callback_token_used_at.is_not(None))
            ).scalars()
        )
    known = {event.event_id: event for event in events}
    missing = succeeded - rows.keys()
    if missing:
        problems.append(f"{len(missing)} events answered 2xx are not in the inbox")
    strangers = rows.keys() - known.keys()
    if strangers:
        problems.append(f"{len(strangers)} inbox rows of events never sent")
    wrong = [
        event_id
        for event_id, row in rows.items()
        if event_id in known
        and (
            row.status != "received"
            or (row.source, row.subject_id) != (known[event_id].source, known[event_id].subject_id)
        )
    ]
    if wrong:
        problems.append(f"{len(wrong)} inbox rows not received or of another subject")
    unspent = [
        event_id
        for event_id in rows.keys() & known.keys()
        if known[event_id].source == "make" and known[event_id].subject_id not in spent
    ]
    if unspent:
        problems.append(f"{len(unspent)} stored Make callbacks left their token unspent")
    # An event whose first delivery went unanswered (the API killed) may be stored and then
    # answered as a duplicate when delivered again; any other must have been accepted once.
    unanswered = {a.event.event_id for burst in bursts for a in burst.answers if a.status is None}
    unaccepted = succeeded - unanswered - {e for e, count in accepted.items() if count}
    if unaccepted:
        problems.append(f"{len(unaccepted)} events only ever answered as duplicates")
    return problems


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


if __name__ == "__main__":
    sys.exit(main())
