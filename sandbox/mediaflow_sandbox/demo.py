"""The end-to-end demo: one campaign from creation to its performance mart.

It starts the sandbox, the API and Dagster (code server, daemon, webserver) as real processes on
loopback, drives the CMS over HTTP, and lets Dagster do the rest as in production: the daemon's
sensors launch the content, publishing and callback runs, the hourly insights are a backfill of
the demo's hours, and every run goes through the run queue and the concurrency pools. The
sandbox's clock is moved to each hour's end as that hour's run leaves the queue, so insights grow
as they would live. Tests drive the same steps with runs in their own process
(`LocalOrchestrator`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, make_url, text

from mediaflow_dagster.cli import issue_key
from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.publishing import status_counts
from mediaflow_dagster.dbt_project import dbt_project
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.partitions import campaign_partitions
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.make_api import MakeApi
from mediaflow_dagster.settings import Settings, get_settings
from mediaflow_sandbox.control import (
    SandboxControl,
    client_environment,
    make_hook_url,
    running_sandbox,
)
from mediaflow_sandbox.dagster_processes import DagsterProcesses
from mediaflow_sandbox.local_runs import LocalOrchestrator
from mediaflow_sandbox.processes import (
    background_service,
    free_local_ports,
    patched_environ,
    settings_environment,
)
from mediaflow_sandbox.settings import SandboxSettings
from mediaflow_sandbox.unified import unified

RATE_LIMITED_ATTEMPTS = 30
HOUR_PARTITION_FORMAT = "%Y-%m-%d-%H:%M"

Chain = LocalOrchestrator | DagsterProcesses
ChainFactory = Callable[[Settings, Console], Chain]

CAMPAIGN = {
    "name": "Lancement Produit X",
    "description": "Launch of product X across the brand's Facebook, Instagram, YouTube, "
    "LinkedIn, TikTok and X accounts.",
    "topics": ["produit x", "lancement", "innovation"],
    "budget": "15000.00",
    "currency": "EUR",
}
ACCOUNTS = [
    ("facebook", "Mediaflow Bistro", "page", "104857600123456"),
    ("facebook", "Mediaflow Bistro Lyon", "page", "104857600654321"),
    ("instagram", "mediaflow.bistro", "business", "17841400000000001"),
    ("youtube", "Mediaflow Bistro TV", "channel", "UCmediaflowBistro0000001"),
    ("linkedin", "Mediaflow Bistro", "page", "2414183"),
    ("tiktok", "mediaflow.bistro", "business", "mediaflow.bistro"),
    ("x", "Mediaflow Bistro", "profile", "1500000000000000001"),
]
OBJECTS = [
    {
        "object_type": "video",
        "title": "Teaser produit X",
        "sources": ["https://cdn.example.com/clips/produit-x-teaser.mp4"],
        "config": {"duration_seconds": 30, "subtitles": True},
    },
    {
        "object_type": "image",
        "title": "Visuel produit X",
        "sources": ["https://cdn.example.com/images/produit-x.jpg"],
        "config": {"ratio": "4:5"},
    },
    {
        "object_type": "text",
        "title": "Annonce produit X",
        "sources": [],
        "config": {"tone": "enthusiastic", "language": "fr"},
    },
]
PLATFORM_ORDER = list(dict.fromkeys(platform for platform, *_ in ACCOUNTS))
READ_TOKEN_SECONDS = 60 * 24 * 3600
"""The demo's read tokens last 60 days, as a long-lived Facebook page token does."""
DEMO_ENVIRONMENT_FILE = "demo.env"


class DemoFailed(RuntimeError):
    """A step of the demo did not reach its expected state in time."""


@dataclass
class DemoReport:
    campaign_id: int
    performance: pd.DataFrame
    expected: pd.DataFrame
    wall_seconds: float

    @property
    def matches_ground_truth(self) -> bool:
        compared = ["posts_published", "impressions", "reach", "engagements"]
        actual = self.performance.set_index("platform")[compared]
        return actual.astype("Float64").equals(
            self.expected.set_index("platform")[compared].astype("Float64")
        )


@dataclass
class DemoStack:
    """The running demo: sandbox and API processes, a CMS client, and what runs the chain: the
    real Dagster processes, or runs in this process for tests."""

    settings: Settings
    sandbox_settings: SandboxSettings
    sandbox: SandboxControl
    cms: httpx.Client
    chain: Chain
    console: Console

    @property
    def engine(self) -> Engine:
        return ops_engine(self.settings.ops_database_url)


@contextmanager
def demo_stack(
    settings: Settings,
    console: Console,
    overrides: Mapping[str, str] | None = None,
    chain: ChainFactory = LocalOrchestrator,
) -> Iterator[DemoStack]:
    """Fresh stores, the sandbox and the API on free loopback ports, every client aimed at the
    sandbox, and `overrides` (more MEDIAFLOW_* variables) on top, with `chain` running the jobs;
    all of it stopped and the process's settings restored at the end."""
    settings = _demo_settings(settings)
    _reset_state(settings)
    if not dbt_project.manifest_path.exists():
        with console.status("parsing the dbt project"):
            dbt_project.preparer.prepare(dbt_project)
    sandbox_settings, environment = _located(settings)
    _write_environment_file(settings.home / DEMO_ENVIRONMENT_FILE, environment)
    with ExitStack() as stack:
        stack.enter_context(patched_environ({**environment, **(overrides or {})}))
        get_settings.cache_clear()
        stack.callback(get_settings.cache_clear)
        settings = get_settings()
        logs = settings.home / "logs"
        api_url = settings.public_api_url
        with console.status("starting the sandbox and the API"):
            sandbox = stack.enter_context(
                running_sandbox(sandbox_settings, log_path=logs / "sandbox.log")
            )
            stack.enter_context(
                background_service(
                    "mediaflow_dagster.cli",
                    "api",
                    {},
                    f"{api_url}/health",
                    log_path=logs / "api.log",
                )
            )
        console.print(f"[green]✓[/] sandbox and API up (logs in {logs})")
        yield DemoStack(
            settings=settings,
            sandbox_settings=sandbox_settings,
            sandbox=sandbox,
            cms=stack.enter_context(cms_client(api_url, "demo")),
            chain=stack.enter_context(chain(settings, console)),
            console=console,
        )


def cms_client(api_url: str, name: str) -> httpx.Client:
    """A client of the CMS API at `api_url` holding an admin key made for it, as
    `mediaflow keys create --role admin` makes one (in the ops store of this process's settings,
    valid a day)."""
    key, _ = issue_key(name, roles=["admin"], scopes=[], days=1)
    return httpx.Client(base_url=api_url, timeout=10, headers={"authorization": f"Bearer {key}"})


def run_demo(
    settings: Settings,
    *,
    hours: int = 6,
    console: Console | None = None,
    keep_ui: bool = False,
    while_up: Callable[[DemoStack], None] | None = None,
) -> DemoReport:
    """The demo on the real Dagster processes; with `keep_ui` the Dagster UI stays up after the
    report until Ctrl-C, otherwise everything the demo started is stopped (after `while_up`
    looked at it, for tests)."""
    console = console or Console()
    started = time.monotonic()
    with demo_stack(settings, console, chain=DagsterProcesses) as demo:
        campaign_id = play_campaign(demo, hours)
        performance = _performance(demo.settings, campaign_id)
        expected = expected_performance(demo.sandbox.ground_truth())
        report = DemoReport(campaign_id, performance, expected, time.monotonic() - started)
        _print_report(console, report, demo.settings, demo.chain.ui_url)
        if while_up:
            while_up(demo)
        if keep_ui:
            _serve_until_interrupted(console, demo.chain.ui_url)
    return report


def play_campaign(demo: DemoStack, hours: int) -> int:
    """The demo's campaign from creation to its marts: content generated, approved at the
    start of the last `hours` hours, published, its insights collected hour by hour, and the
    warehouse built; returns the campaign's id."""
    campaign_id, object_ids = create_campaign(demo)
    generate_content(demo, campaign_id, object_ids)
    first_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    first_hour -= timedelta(hours=hours)
    demo.sandbox.set_clock(first_hour + timedelta(minutes=1))
    approve(demo, object_ids)
    publish(demo, campaign_id)
    collect_insights(demo, first_hour, hours)
    demo.chain.run("warehouse_job")
    demo.console.print("[green]✓[/] ops tables landed, dbt build passed")
    return campaign_id


def _serve_until_interrupted(console: Console, ui_url: str) -> None:
    console.print(f"\nThe Dagster UI is up at {ui_url}: press Ctrl-C to stop everything.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopping")


def create_campaign(demo: DemoStack) -> tuple[int, list[int]]:
    """The campaign, its three accounts and its three objects, through the CMS API."""
    account_ids = [
        _post(
            demo.cms,
            "/api/social-accounts",
            {
                "platform": platform,
                "name": name,
                "account_type": account_type,
                "external_account_id": external_id,
                "make_connection_id": granted_make_connection(demo, platform, name),
                "make_scenario_id": f"scenario-{platform}-{external_id}",
                "make_webhook_url": make_hook_url(
                    demo.sandbox_settings, f"{platform}-{external_id}-hook"
                ),
            },
        )["id"]
        for platform, name, account_type, external_id in ACCOUNTS
    ]
    connect_read_credentials(demo, account_ids)
    today = date.today()
    campaign = _post(
        demo.cms,
        "/api/campaigns",
        {
            **CAMPAIGN,
            "start_date": str(today - timedelta(days=1)),
            "end_date": str(today + timedelta(days=29)),
            "social_account_ids": account_ids,
        },
    )
    _post(demo.cms, f"/api/campaigns/{campaign['id']}/status", {"status": "active"})
    object_ids = [
        _post(demo.cms, f"/api/campaigns/{campaign['id']}/objects", spec)["id"] for spec in OBJECTS
    ]
    demo.chain.instance.add_dynamic_partitions(campaign_partitions.name, [str(campaign["id"])])
    demo.console.print(
        f"[green]✓[/] campaign {campaign['id']} “{campaign['name']}” targets "
        f"{len(account_ids)} accounts ({', '.join(PLATFORM_ORDER)}) with {len(object_ids)} objects"
    )
    return campaign["id"], object_ids


def granted_make_connection(demo: DemoStack, platform: str, name: str) -> str:
    """A Make connection for the account, made through Make's API as onboarding makes one, with
    its owner's consent given: the daemon's `accounts_job` schedule tests every connection and
    expires an account whose connection Make does not know."""
    connection_id = client_from_environment(MakeApi).create_connection(platform, name)
    demo.sandbox.authorize_connection(int(connection_id))
    return connection_id


def connect_read_credentials(demo: DemoStack, account_ids: list[int]) -> None:
    """Each account's own read token, as its platform's OAuth issues it to the account's owner
    (the two Facebook pages get two different page tokens), entered through the admin route."""
    for account_id, (platform, _, _, external_id) in zip(account_ids, ACCOUNTS, strict=True):
        token = demo.sandbox.issue_account_token(
            platform, external_id, lifetime_seconds=READ_TOKEN_SECONDS
        )
        _answer(
            demo.cms,
            "PUT",
            f"/api/social-accounts/{account_id}/credential",
            {
                "access_token": token["access_token"],
                "refresh_token": token.get("refresh_token"),
                "expires_at": (
                    datetime.now(UTC) + timedelta(seconds=token["expires_in"])
                ).isoformat(),
                "scopes": token["scope"].split(),
            },
        )
    demo.console.print(
        f"[green]✓[/] {len(account_ids)} accounts connected with their own read tokens "
        f"({sum(platform == 'facebook' for platform, *_ in ACCOUNTS)} Facebook pages, one token "
        "each)"
    )


def generate_content(demo: DemoStack, campaign_id: int, object_ids: list[int]) -> None:
    demo.chain.run("content_generation_job", str(campaign_id))
    demo.chain.tick_until(
        "n8n_callbacks",
        lambda: all(_get(demo.cms, f"/api/objects/{i}")["status"] == "ready" for i in object_ids),
        "n8n reported every object ready",
    )


def approve(demo: DemoStack, object_ids: list[int]) -> None:
    for object_id in object_ids:
        _post(demo.cms, f"/api/objects/{object_id}/approve", {})
    demo.console.print(f"[green]✓[/] {len(object_ids)} objects approved")


def publish(demo: DemoStack, campaign_id: int) -> None:
    """Publishing runs from the approvals, until Make settled every publication."""
    demo.chain.tick_until("approvals", lambda: True, "publishing runs launched")

    def settled() -> bool:
        counts = status_counts(demo.engine, campaign_id)
        return not any(counts.get(status) for status in ("pending", "sent", "unknown"))

    demo.chain.tick_until("make_callbacks", settled, "Make settled every publication")


def collect_insights(demo: DemoStack, first_hour: datetime, hours: int) -> None:
    """A backfill of the hourly insights partitions, each run reading the platforms with the
    sandbox's clock at its hour's end."""

    def at_hour_end(partition_key: str) -> None:
        hour_start = datetime.strptime(partition_key, HOUR_PARTITION_FORMAT)
        demo.sandbox.set_clock(hour_start + timedelta(hours=1))

    partition_keys = [
        (first_hour + timedelta(hours=hour)).strftime(HOUR_PARTITION_FORMAT)
        for hour in range(hours)
    ]
    demo.chain.backfill("insights_job", partition_keys, before_each=at_hour_end)
    demo.console.print(f"[green]✓[/] insights collected for {hours} hourly partitions")


def expected_performance(ground_truth: dict[str, Any]) -> pd.DataFrame:
    """The per-platform roll-up the marts must show, computed from the sandbox's own counters."""
    rows = [
        {"platform": post["platform"], **unified(post["platform"], post["metrics"])}
        for post in ground_truth["posts"]
    ]
    frame = pd.DataFrame(rows, columns=["platform", "impressions", "reach", "engagements"])
    expected = (
        frame.groupby("platform", sort=False)
        .agg(
            posts_published=("platform", "size"),
            impressions=("impressions", "sum"),
            reach=("reach", lambda values: None if values.isna().all() else values.sum()),
            engagements=("engagements", "sum"),
        )
        .reset_index()
    )
    return expected.set_index("platform").reindex(PLATFORM_ORDER).reset_index()


def _post(cms: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return _answer(cms, "POST", path, body)


def _get(cms: httpx.Client, path: str) -> dict[str, Any]:
    return _answer(cms, "GET", path)


def _answer(
    cms: httpx.Client, method: str, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The API's answer, waiting out its rate limit as any well-behaved client does."""
    for _attempt in range(RATE_LIMITED_ATTEMPTS):
        response = cms.request(method, path, json=body)
        if response.status_code != 429:
            break
        time.sleep(float(response.headers.get("Retry-After", "1")))
    if response.is_error:
        raise DemoFailed(f"{method} {path}: {response.status_code} {response.text}")
    return response.json()


def _performance(settings: Settings, campaign_id: int) -> pd.DataFrame:
    warehouse = build_resources(settings, resolve_secrets=True)["warehouse"]
    frame = warehouse.query(
        f"""
        select platform,
               sum(posts_published) as posts_published,
               sum(impressions) as impressions,
               sum(reach) as reach,
               sum(video_views) as video_views,
               sum(engagements) as engagements
        from marts.campaign_performance__daily
        where campaign_id = {int(campaign_id)}
        group by platform
        """
    )
    return frame.set_index("platform").reindex(PLATFORM_ORDER).reset_index()


def _print_report(console: Console, report: DemoReport, settings: Settings, ui_url: str) -> None:
    table = Table(title=f"Campaign {report.campaign_id} “{CAMPAIGN['name']}”: performance")
    for column in ("platform", "posts", "impressions", "reach/views", "engagements", "eng. rate"):
        table.add_column(column, justify="left" if column == "platform" else "right")
    for row in report.performance.itertuples():
        reach = row.reach if pd.notna(row.reach) else row.video_views
        reach_label = _count(reach) + (" views" if pd.isna(row.reach) and pd.notna(reach) else "")
        rate = row.engagements / row.impressions if row.impressions else float("nan")
        table.add_row(
            row.platform,
            _count(row.posts_published),
            _count(row.impressions),
            reach_label,
            _count(row.engagements),
            f"{rate:.2%}" if pd.notna(rate) else "—",
        )
    console.print(table)
    if report.matches_ground_truth:
        console.print("[green]✓ the marts equal the sandbox's ground truth[/]")
    else:
        console.print("[red]✗ the marts differ from the sandbox's ground truth:[/]")
        console.print(report.expected.to_string(index=False))
    console.print(f"demo wall time: {report.wall_seconds:.1f} s")
    console.print(
        "\nWhere to look next:\n"
        f"  • the runs, assets and sensors in the Dagster UI: {ui_url}; after the demo, again "
        f"with: set -a; . {settings.home / DEMO_ENVIRONMENT_FILE}; "
        f"set +a; DAGSTER_HOME={settings.dagster_home} .venv/bin/dg dev\n"
        "  • the marts: schema marts in "
        + (
            f"{settings.warehouse_path}"
            if settings.backend == "embedded"
            else make_url(settings.postgres_url.get_secret_value()).render_as_string()
        )
        + " (campaign_performance__daily, campaign_performance__summary, "
        "platform_performance__daily, post_performance__growth_curve, "
        "social_media__rollup_report, publishing__timeliness)"
    )


def _count(value: Any) -> str:
    return f"{int(value):,}" if pd.notna(value) else "—"


def _demo_settings(settings: Settings) -> Settings:
    """On PostgreSQL the demo works in its own database, `<name>_demo`, made afresh."""
    if settings.backend != "postgres":
        return settings
    url = make_url(settings.postgres_url.get_secret_value())
    demo_url = url.set(database=f"{url.database}_demo").render_as_string(hide_password=False)
    return settings.model_copy(update={"postgres_url": SecretStr(demo_url)})


def _reset_state(settings: Settings) -> None:
    for path in (settings.warehouse_path, settings.home / "ops.sqlite"):
        for leftover in path.parent.glob(f"{path.name}*"):
            leftover.unlink()
    shutil.rmtree(settings.dagster_home, ignore_errors=True)
    if settings.backend == "postgres":
        url = make_url(settings.postgres_url.get_secret_value())
        server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        server.dispose()


def _write_environment_file(path: Path, environment: dict[str, str]) -> None:
    """The demo's MEDIAFLOW_* variables as a shell file (its owner's only: it holds the
    sandbox's credentials), for `dg dev` to open the demo's runs with the same settings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.writelines(f"{name}={shlex.quote(value)}\n" for name, value in environment.items())


def _located(settings: Settings) -> tuple[SandboxSettings, dict[str, str]]:
    """The sandbox on free loopback ports under the demo's home, and the settings of every demo
    process: the API on a free port too, every client aimed at the sandbox."""
    sandbox_port, tls_port, api_port = free_local_ports(3)
    home = settings.home.resolve()
    sandbox = SandboxSettings(home=home / "sandbox", port=sandbox_port, tls_port=tls_port)
    located = settings.model_copy(
        update={
            "home": home,
            "api_port": api_port,
            "public_api_url": f"http://127.0.0.1:{api_port}",
        }
    )
    return sandbox, settings_environment(located) | client_environment(sandbox)
