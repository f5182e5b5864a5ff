"""What an analyst sees in the Dagster UI after the demo, read by a real browser (Playwright
driving the machine's Chromium), with a screenshot of each page kept for people to look at."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
PAGE_TIMEOUT_MS = 60_000
NO_RUNS = "No runs or scheduled ticks in this time period"
DAILY_MART = "marts/campaign_performance__daily"


@dataclass
class UiReading:
    """What the pages showed, and where their screenshots are."""

    timeline_shows_runs: bool = False
    timeline_jobs: list[str] = field(default_factory=list)
    mart_preview_rows: int = 0
    mart_plot_shown: bool = False
    failed_checks: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)


def read_dagster_ui(ui_url: str, screenshots: Path) -> UiReading:
    screenshots.mkdir(parents=True, exist_ok=True)
    httpx.post(f"{ui_url}/graphql", json={"query": "mutation { setNuxSeen }"}, timeout=30)
    reading = UiReading(failed_checks=_failed_checks(ui_url))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        _timeline(page, ui_url, reading, screenshots)
        _mart(page, ui_url, reading, screenshots)
        browser.close()
    return reading


def _timeline(page: Page, ui_url: str, reading: UiReading, screenshots: Path) -> None:
    page.goto(f"{ui_url}/overview/activity/timeline")
    for job in ("insights_job", "warehouse_job"):
        page.get_by_text(job).first.wait_for()
    reading.timeline_shows_runs = page.get_by_text(NO_RUNS).count() == 0
    body = page.inner_text("body")
    reading.timeline_jobs = [
        job
        for job in ("content_generation_job", "publish_job", "insights_job", "warehouse_job")
        if job in body
    ]
    reading.screenshots.append(_shot(page, screenshots / "dagster-timeline.png"))


def _mart(page: Page, ui_url: str, reading: UiReading, screenshots: Path) -> None:
    page.goto(f"{ui_url}/assets/{DAILY_MART}")
    page.get_by_text("preview", exact=True).first.wait_for()
    reading.screenshots.append(_shot(page, screenshots / "dagster-daily-mart.png"))
    reading.mart_preview_rows = page.locator("table tbody tr").count()
    page.get_by_text("daily_curve", exact=True).first.wait_for()
    show = page.get_by_text("Show Markdown")
    if show.count():
        show.last.click()
    plot = page.locator("img[src^='data:image/png']")
    plot.first.wait_for()
    reading.mart_plot_shown = plot.count() > 0
    reading.screenshots.append(_shot(page, screenshots / "dagster-daily-mart-plot.png"))


def _failed_checks(ui_url: str) -> list[str]:
    """Checks whose latest evaluation failed with ERROR severity: red in the UI."""
    query = """
    { assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks {
        name executionForLatestMaterialization { evaluation { success severity } }
    } } } } }
    """
    answer = httpx.post(f"{ui_url}/graphql", json={"query": query}, timeout=120).json()
    return [
        f"{'/'.join(node['assetKey']['path'])}:{check['name']}"
        for node in answer["data"]["assetNodes"]
        for check in (node["assetChecksOrError"].get("checks") or [])
        if (evaluation := (check["executionForLatestMaterialization"] or {}).get("evaluation"))
        and not evaluation["success"]
        and evaluation["severity"] == "ERROR"
    ]


def _shot(page: Page, path: Path) -> Path:
    page.screenshot(path=str(path), full_page=True)
    return path
