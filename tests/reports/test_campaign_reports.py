"""Campaign reports built from the real marts (the warehouse scenario built by dbt) by the
`campaign_reports` asset as its schedules run it: a daily, weekly and monthly report per running
campaign and a final one per campaign that ended, each an HTML page with its figures and charts
and a PDF, stored with a row, emailed to the owner, and made once however often the run is
repeated; the API lists and serves them. A browser opens one and reads what an analyst sees:
the headline figures equal to the marts', the growth chart drawn, the best and worst posts; its
screenshot stays in test-artifacts/campaign-report-<backend>/. Both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from dagster import DagsterInstance, RunConfig, build_schedule_context, materialize
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from support.api import api_client
from support.dagster_ui import CHROMIUM
from support.notifications import mail_environment, mail_server
from support.scenario_marts import (
    OWNERS,
    mart_rows,
    scenario_campaigns,
    scenario_fixtures,
)

from mediaflow_dagster.assets.reports import (
    CampaignReportsConfig,
    campaign_reports,
    report_schedule,
)
from mediaflow_dagster.cms.campaign_reports import period_before
from mediaflow_dagster.cms.dispatch import send_due
from mediaflow_dagster.cms.notifications import get_request
from mediaflow_dagster.cms.schema import campaign_reports as report_rows
from mediaflow_dagster.cms.schema import notification_messages
from mediaflow_dagster.definitions import reports_job
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_dagster.resources.smtp import SmtpMailer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DAY_AFTER_LAUNCH = date(2026, 11, 21)
"""A daily run on this day reports on 2026-11-20, the scenario's first day."""


scenario, postgres_database = scenario_fixtures()


@pytest.fixture
def marts(settings, scenario, engine):
    """The scenario's marts where mediaflow reads them and its two campaigns, active, in the
    ops store (the same ids), each with its owner."""
    scenario.place(settings)
    scenario_campaigns(engine, active=True)
    return settings


def run_reports(settings, cadence: str, day: date) -> None:
    ops_store = client_from_environment(
        OpsStore, backend=settings.backend, sqlite_path=str(settings.ops_sqlite_path)
    )
    result = materialize(
        [campaign_reports],
        resources={"ops_store": ops_store},
        run_config=RunConfig(
            ops={
                campaign_reports.op.name: CampaignReportsConfig(
                    cadence=cadence, day=day.isoformat()
                )
            }
        ),
    )
    assert result.success


def reports(engine) -> list[dict]:
    with engine.connect() as connection:
        ordered = select(report_rows).order_by(report_rows.c.id)
        return [dict(row._mapping) for row in connection.execute(ordered)]


def daily_sums(settings, campaign_id: int, first_day: str, last_day: str) -> dict:
    [row] = mart_rows(
        settings,
        "select sum(impressions) as impressions, sum(engagements) as engagements, "
        "sum(posts_published) as posts_published "
        "from marts.campaign_performance__daily "
        f"where campaign_id = {campaign_id} and day between '{first_day}' and '{last_day}'",
    )
    return {name: int(value) for name, value in row.items()}


def test_each_cadence_reports_the_period_before_its_day():
    monday = date(2026, 11, 23)
    assert (period_before("daily", monday).start, period_before("daily", monday).end) == (
        date(2026, 11, 22),
        date(2026, 11, 22),
    )
    week = period_before("weekly", date(2026, 11, 25))
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 22))
    month = period_before("monthly", date(2026, 12, 1))
    assert (month.start, month.end) == (date(2026, 11, 1), date(2026, 11, 30))


def test_a_daily_run_reports_each_running_campaign_once_and_emails_its_owner(marts, engine):
    run_reports(marts, "daily", DAY_AFTER_LAUNCH)
    run_reports(marts, "daily", DAY_AFTER_LAUNCH)

    made = reports(engine)
    assert [(r["campaign_id"], r["cadence"], r["period_start"]) for r in made] == [
        (1, "daily", date(2026, 11, 20)),
        (2, "daily", date(2026, 11, 20)),
    ]
    launch = made[0]
    expected = daily_sums(marts, 1, "2026-11-20", "2026-11-20")
    assert launch["figures"]["impressions"] == expected["impressions"]
    assert launch["figures"]["engagements"] == expected["engagements"]
    assert Path(launch["html_path"]).read_text().startswith("<!DOCTYPE html>")
    assert Path(launch["pdf_path"]).read_bytes().startswith(b"%PDF-")
    with engine.connect() as connection:
        messages = connection.execute(select(notification_messages)).all()
        requests = [get_request(connection, message.request_id) for message in messages]
    assert [request["audience"] for request in requests] == [
        {"email": OWNERS[1]},
        {"email": OWNERS[2]},
    ]
    assert requests[0]["template_name"] == "campaign_report"
    assert requests[0]["data"]["html_url"].endswith(f"/api/reports/{launch['id']}")
    assert requests[0]["data"]["impressions"] == str(expected["impressions"])


def test_the_owner_reads_the_headline_figures_and_the_links_in_the_email(
    marts, engine, in_environment, tmp_path_factory
):
    run_reports(marts, "daily", DAY_AFTER_LAUNCH)
    [launch, _] = reports(engine)
    with mail_server(tmp_path_factory.mktemp("mail-certificates")) as server:
        in_environment(mail_environment(server))
        personal_data = client_from_environment(PersonalData)
        outcome = send_due(
            engine,
            personal_data.vault(),
            personal_data.links(),
            client_from_environment(SmtpMailer),
            client_from_environment(SmsProvider),
        )
        emails = {email["To"]: email for email in server.mailbox.received()}

    assert dict(outcome.outcomes) == {"sent": 2}
    email = emails[OWNERS[1]]
    assert email["Subject"] == "mediaflow: Launch: daily report, 2026-11-20 to 2026-11-20"
    body = email.get_body(("plain",)).get_content()
    assert f"Impressions: {launch['figures']['impressions']}" in body
    assert f"/api/reports/{launch['id']}/pdf" in body


def test_weekly_monthly_and_final_reports_cover_their_periods(marts, engine):
    run_reports(marts, "weekly", date(2026, 11, 23))
    run_reports(marts, "monthly", date(2026, 12, 1))
    run_reports(marts, "daily", date(2026, 11, 23))

    made = {(r["campaign_id"], r["cadence"]): r for r in reports(engine)}
    assert set(made) == {
        (1, "weekly"),
        (2, "weekly"),
        (1, "monthly"),
        (2, "monthly"),
        (1, "daily"),
        (1, "final"),
        (2, "final"),
    }
    final = made[(1, "final")]
    assert (final["period_start"], final["period_end"]) == (date(2026, 11, 20), date(2026, 11, 22))
    whole = daily_sums(marts, 1, "2026-11-20", "2026-11-22")
    assert final["figures"]["impressions"] == whole["impressions"]
    assert (
        made[(2, "weekly")]["figures"]["engagements"]
        == (daily_sums(marts, 2, "2026-11-16", "2026-11-22")["engagements"])
    )


def test_a_schedule_tick_asks_for_one_run_per_cadence_and_day():
    schedule = report_schedule("weekly", reports_job)
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 11, 23, 6, 15, tzinfo=UTC)
        )
        [request] = schedule.evaluate_tick(context).run_requests

    assert request.run_key == "weekly-2026-11-23"
    config = request.run_config["ops"][campaign_reports.op.name]["config"]
    assert config == {"cadence": "weekly", "day": "2026-11-23"}


def test_the_api_lists_a_campaigns_reports_and_serves_each_page_and_pdf(marts, engine):
    run_reports(marts, "daily", DAY_AFTER_LAUNCH)
    analyst = api_client(marts, "analyst")

    listed = analyst.get("/api/campaigns/1/reports")
    [report] = listed.json()["items"]
    page = analyst.get(f"/api/reports/{report['id']}")
    pdf = analyst.get(f"/api/reports/{report['id']}/pdf")
    unknown = analyst.get("/api/reports/999")

    assert listed.status_code == 200, listed.text
    assert (report["cadence"], report["period_start"]) == ("daily", "2026-11-20")
    assert report["pdf_url"].endswith(f"/api/reports/{report['id']}/pdf")
    assert page.headers["content-type"].startswith("text/html")
    assert "<svg" in page.text and "Launch" in page.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"


def test_an_analyst_opening_a_report_sees_the_marts_figures_the_chart_and_the_posts(marts, engine):
    run_reports(marts, "weekly", date(2026, 11, 23))
    launch = next(r for r in reports(engine) if r["campaign_id"] == 1)
    week = daily_sums(marts, 1, "2026-11-16", "2026-11-22")
    posts = mart_rows(
        marts,
        "select publication_id, sum(engagements) as engagements "
        "from marts.social_media__rollup_report where campaign_id = 1 "
        "and date_day between '2026-11-16' and '2026-11-22' "
        "group by publication_id having sum(engagements) is not null "
        "order by sum(engagements) desc, publication_id",
    )
    screenshot = ARTIFACTS / f"campaign-report-{marts.backend}" / "weekly-report.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(Path(launch["html_path"]).as_uri())
        shown = {
            figure: page.locator(f"#headline tr[data-figure='{figure}'] td.current").inner_text()
            for figure in ("impressions", "engagements", "posts_published")
        }
        chart = page.locator("#growth-chart svg")
        chart_box = chart.bounding_box()
        lines = page.locator("#growth-chart svg path").count()
        best = page.locator("#best-posts tbody tr").evaluate_all(
            "rows => rows.map(row => Number(row.dataset.publication))"
        )
        worst = page.locator("#worst-posts tbody tr").evaluate_all(
            "rows => rows.map(row => Number(row.dataset.publication))"
        )
        title = page.locator("#title").inner_text()
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()

    assert title == "Launch"
    assert shown == {
        "impressions": f"{week['impressions']:,}",
        "engagements": f"{week['engagements']:,}",
        "posts_published": f"{week['posts_published']:,}",
    }
    assert chart_box is not None and chart_box["width"] > 400 and chart_box["height"] > 150
    assert lines > 4
    ranked = [row["publication_id"] for row in posts]
    assert best == ranked[:3]
    assert worst == list(reversed(ranked[3:]))[:3]
    assert screenshot.stat().st_size > 10_000
