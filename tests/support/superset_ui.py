"""A Superset dashboard as a person sees it, read by a real browser (Playwright driving the
machine's Chromium), with a screenshot kept for people to look at."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from support.dagster_ui import CHROMIUM, PAGE_TIMEOUT_MS

CHART = "[data-test='chart-container']"
LOADING = "[data-test='loading-indicator'], .loading"
ERROR = "[data-test='error-message'], .ant-alert-error"
RENDERED = "canvas, table"


@dataclass
class DashboardReading:
    title: str = ""
    charts: list[str] = field(default_factory=list)
    charts_in_error: list[str] = field(default_factory=list)
    screenshot: Path | None = None


def read_dashboards(
    url: str, username: str, password: str, slugs: list[str], screenshots: Path
) -> dict[str, DashboardReading]:
    """Each dashboard of `slugs`, signed in as `username`, once every chart has loaded."""
    screenshots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        _sign_in(page, url, username, password)
        readings = {slug: _read(page, url, slug, screenshots) for slug in slugs}
        browser.close()
    return readings


def _sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login/")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")
    page.wait_for_url(lambda address: "/login" not in address, wait_until="commit")


def _read(page: Page, url: str, slug: str, screenshots: Path) -> DashboardReading:
    page.goto(f"{url}/superset/dashboard/{slug}/")
    page.locator(CHART).first.wait_for()
    waiting = page.locator(f"{CHART}:not(:has({RENDERED})):not(:has({ERROR}))")
    expect(page.locator(LOADING)).to_have_count(0, timeout=PAGE_TIMEOUT_MS)
    expect(waiting).to_have_count(0, timeout=PAGE_TIMEOUT_MS)
    page.wait_for_timeout(1000)  # the charts' entry animation
    reading = DashboardReading(title=page.title())
    for holder in page.locator("[data-test='dashboard-component-chart-holder']").all():
        name = holder.locator("[data-test='editable-title'], .header-title").first.inner_text()
        reading.charts.append(name.strip())
        if holder.locator(ERROR).count() or not holder.locator(RENDERED).count():
            reading.charts_in_error.append(name.strip())
    reading.screenshot = screenshots / f"{slug}.png"
    page.screenshot(path=str(reading.screenshot), full_page=True)
    return reading
