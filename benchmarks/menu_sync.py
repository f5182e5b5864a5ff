"""Latency from a menu change to its confirmation on every platform, with the Dagster daemon
running the sensors for real under `dg dev`.

Starts the sandbox and the API on free loopback ports, makes an active campaign targeting a
Facebook page and an Instagram account (their Make scenario webhooks the sandbox's), starts
`dg dev` on the same settings and creates Le Vieux Moulin's menu through the API (its first
synchronisation is the warm-up, not measured). Then `--changes` times, one after the other, it
changes one price (`PUT` with `If-Match`) and polls `GET /api/communication/menus/{id}` until
every platform shows the new version `published`: the website feed and the Google document
(the `menu_sync_job` run synchronised it) and Facebook and Instagram (Make's callbacks were
recorded). Prints each change's milestones and the p50/p95 of change → confirmed everywhere.
Everything it started is stopped at the end, even on failure.

    PATH=$PWD/.venv/bin:$PATH .venv/bin/python benchmarks/menu_sync.py
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _campaign import active_campaign
from approval_to_confirmed import BenchmarkFailed, benchmark_settings, dg_dev
from rich.console import Console
from rich.table import Table

from mediaflow_dagster.cms.database import ops_engine
from mediaflow_sandbox.addresses import UNSPLASH_IMAGES_PREFIX, http_base_url
from mediaflow_sandbox.control import running_sandbox
from mediaflow_sandbox.demo import cms_client
from mediaflow_sandbox.processes import background_service, free_local_ports
from mediaflow_sandbox.settings import SandboxSettings

GOAL_P95_SECONDS = 2.0
"""What the communication module's specification asks of publish latency."""
POLL_SECONDS = 0.1
MENUS = "/api/communication/menus"
POSTED = ("facebook", "instagram")


@dataclass
class Change:
    version: int
    changed_at: float  # monotonic seconds
    synced: float | None = None
    confirmed: dict[str, float] | None = None

    @property
    def everywhere(self) -> float | None:
        if self.confirmed is None or len(self.confirmed) < len(POSTED):
            return None
        return max(self.confirmed.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=10, help="menu changes to time (10)")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for each change (120)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary home (stores and logs)"
    )
    args = parser.parse_args()
    if args.changes < 1:
        parser.error("--changes must be at least 1")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    home = Path(tempfile.mkdtemp(prefix="mediaflow-bench-menus-"))
    try:
        return benchmark(args, home)
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


def benchmark(args: argparse.Namespace, home: Path) -> int:
    with ExitStack() as stack:
        sandbox_port, tls_port, api_port, webserver_port = free_local_ports(4)
        sandbox_settings = SandboxSettings(
            home=home / "sandbox", port=sandbox_port, tls_port=tls_port
        )
        settings = stack.enter_context(benchmark_settings(home, sandbox_settings, api_port))
        logs = settings.home / "logs"
        print(f"home {home} (logs in logs/)")
        stack.enter_context(running_sandbox(sandbox_settings, log_path=logs / "sandbox.log"))
        stack.enter_context(
            background_service(
                "mediaflow_dagster.cli",
                "api",
                {},
                f"{settings.public_api_url}/health",
                log_path=logs / "api.log",
            )
        )
        engine = ops_engine(settings.ops_database_url)
        campaign_id = active_campaign(engine, sandbox_settings, "La carte du Vieux Moulin", 2)
        photo = f"{http_base_url(sandbox_settings)}{UNSPLASH_IMAGES_PREFIX}/photo-vieux-moulin"
        started = time.monotonic()
        stack.enter_context(dg_dev(settings, webserver_port, logs / "dg-dev.log"))
        print(f"dg dev up in {time.monotonic() - started:.1f} s")
        cms = stack.enter_context(cms_client(settings.public_api_url, "menu benchmark"))
        menu = le_vieux_moulin(photo)
        created = cms.post(MENUS, json={"menu": menu, "campaign_id": campaign_id})
        if created.status_code != 201:
            raise BenchmarkFailed(f"the menu was refused: {created.text}")
        menu_id, etag = created.json()["id"], created.headers["etag"]
        warm_up = wait(cms, menu_id, Change(1, time.monotonic()), args.timeout)
        print(f"warm-up: version 1 confirmed everywhere in {warm_up.everywhere:.1f} s")
        changes = []
        for number in range(args.changes):
            menu["categories"][0]["items"][0]["price"] = f"{20 + number}.50"
            changed_at = time.monotonic()
            answer = cms.put(
                f"{MENUS}/{menu_id}",
                json={"menu": menu, "campaign_id": campaign_id},
                headers={"if-match": etag},
            )
            if answer.status_code != 200:
                raise BenchmarkFailed(f"the change was refused: {answer.text}")
            etag = answer.headers["etag"]
            changes.append(
                wait(cms, menu_id, Change(answer.json()["version"], changed_at), args.timeout)
            )
    return report(changes)


def le_vieux_moulin(photo: str) -> dict[str, Any]:
    return {
        "name": "Carte d'hiver",
        "type": "seasonal",
        "valid_from": "2026-12-01",
        "valid_until": "2027-03-20",
        "image": {
            "url": photo,
            "mime_type": "image/jpeg",
            "bytes": 412_000,
            "width": 1080,
            "height": 1350,
        },
        "hashtags": ["LeVieuxMoulin"],
        "categories": [
            {
                "name": "Plats",
                "items": [
                    {"name": "Bœuf bourguignon", "price": "24.00", "allergens": ["celery"]},
                    {"name": "Filet de truite", "price": "22.50", "allergens": ["fish", "milk"]},
                ],
            },
            {
                "name": "Desserts",
                "items": [{"name": "Tarte Tatin", "price": "8.50", "allergens": ["gluten"]}],
            },
        ],
    }


def wait(cms: httpx.Client, menu_id: int, change: Change, timeout: float) -> Change:
    """Poll the menu until `change`'s version is published on every platform."""
    deadline = change.changed_at + timeout
    change.confirmed = {}
    while time.monotonic() < deadline:
        sync = cms.get(f"{MENUS}/{menu_id}").json()["sync"]
        now = time.monotonic() - change.changed_at
        if sync["version"] == change.version:
            statuses = {entry["platform"]: entry for entry in sync["platforms"]}
            refused = [entry for entry in statuses.values() if entry["status"] == "refused"]
            if refused:
                raise BenchmarkFailed(f"version {change.version} refused: {refused}")
            if change.synced is None and sync["state"] == "synced":
                change.synced = now
            for platform in POSTED:
                if statuses[platform]["status"] == "published":
                    change.confirmed.setdefault(platform, now)
            if change.everywhere is not None:
                return change
        time.sleep(POLL_SECONDS)
    raise BenchmarkFailed(f"version {change.version} not confirmed in {timeout:g} s")


def report(changes: list[Change]) -> int:
    table = Table(title="menu change → confirmed, seconds after the PUT")
    for column in ("version", "synced (website, Google)", *POSTED, "everywhere"):
        table.add_column(column, justify="right")
    for change in changes:
        table.add_row(
            str(change.version),
            f"{change.synced:.2f}",
            *(f"{change.confirmed[platform]:.2f}" for platform in POSTED),
            f"{change.everywhere:.2f}",
        )
    Console(width=120).print(table)
    everywhere = [change.everywhere for change in changes]
    synced = [change.synced for change in changes]
    p95 = (
        statistics.quantiles(everywhere, n=20, method="inclusive")[-1]
        if len(changes) > 1
        else everywhere[0]
    )
    print(
        f"synced (website feed and Google document served): p50 {statistics.median(synced):.2f} s"
    )
    print(
        f"change → confirmed on every platform: p50 {statistics.median(everywhere):.2f} s, "
        f"p95 {p95:.2f} s, max {max(everywhere):.2f} s (goal p95 < {GOAL_P95_SECONDS:g} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
