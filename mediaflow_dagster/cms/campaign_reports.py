"""Campaign reports in the ops store: which campaigns get one for which period, and one row per
campaign, cadence and period, with the report's HTML and PDF under `<home>/reports/`.

A run of a cadence reports on the period that ended before its day: `daily` on the day before,
`weekly` on the week (Monday to Sunday) before, `monthly` on the month before, for every
campaign running on some day of it; every `daily` run also makes the `final` report (the whole
campaign) of each campaign that ended in the last `FINAL_WITHIN_DAYS` days without one yet. A
report is made once: the row is written with its owner's email in one transaction, keyed by
campaign, cadence and period start, and a campaign that has its row already is skipped, so a
run can be retried or repeated safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from mediaflow_dagster.cms.analytics import Period
from mediaflow_dagster.cms.database import (
    Bind,
    insert_ignoring_duplicates,
    page,
    transaction,
    utcnow,
)
from mediaflow_dagster.cms.errors import NotFound
from mediaflow_dagster.cms.owner_notices import campaign_owner, email_notice
from mediaflow_dagster.cms.schema import campaign_reports, campaigns
from mediaflow_dagster.reports.content import report_content
from mediaflow_dagster.reports.rendering import report_html, report_pdf
from mediaflow_dagster.settings import Settings

TEMPLATE = "campaign_report"
MADE_BY = "campaign_reports"
REPORTED_STATUSES = ("active", "paused", "completed")
FINAL_WITHIN_DAYS = 30
"""How far back a campaign's end still gets its final report (a first run after a long pause
does not flood owners with the reports of campaigns long over)."""


@dataclass(frozen=True)
class MadeReport:
    report_id: int
    campaign_id: int
    cadence: str
    period: Period


def period_before(cadence: str, day: date) -> Period:
    """The period a run of `cadence` on `day` reports on: the one that ended before it."""
    if cadence == "daily":
        return Period(day - timedelta(days=1), day - timedelta(days=1))
    if cadence == "weekly":
        monday = day - timedelta(days=day.weekday())
        return Period(monday - timedelta(days=7), monday - timedelta(days=1))
    if cadence == "monthly":
        last = day.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last)
    raise ValueError(f"no period for the cadence {cadence!r}")


def make_reports(settings: Settings, engine: Engine, cadence: str, day: date) -> list[MadeReport]:
    """The reports a run of `cadence` on `day` owes, made and emailed; those made before are
    skipped."""
    wanted = [(cadence, period_before(cadence, day), row) for row in _running(engine, cadence, day)]
    if cadence == "daily":
        wanted += [
            ("final", Period(row.start_date, row.end_date), row) for row in _ended(engine, day)
        ]
    made = []
    for report_cadence, period, campaign in wanted:
        if _made_already(engine, campaign.id, report_cadence, period):
            continue
        report = _make(settings, engine, campaign, report_cadence, period)
        if report is not None:
            made.append(report)
    return made


def reports_page(
    bind: Bind, campaign_id: int, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    with transaction(bind) as connection:
        if campaign_owner(connection, campaign_id) is None:
            raise NotFound(f"campaign {campaign_id} not found")
        query = select(campaign_reports).where(campaign_reports.c.campaign_id == campaign_id)
        return page(connection, query, campaign_reports.c.id, after, limit)


def get_report(bind: Bind, report_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(
            select(campaign_reports).where(campaign_reports.c.id == report_id)
        ).first()
    if row is None:
        raise NotFound(f"report {report_id} not found")
    return dict(row._mapping)


def report_urls(settings: Settings, report_id: int) -> dict[str, str]:
    base = f"{settings.public_api_url.rstrip('/')}/api/reports/{report_id}"
    return {"html_url": base, "pdf_url": f"{base}/pdf"}


def _running(engine: Engine, cadence: str, day: date) -> list[Any]:
    period = period_before(cadence, day)
    with engine.connect() as connection:
        return connection.execute(
            select(campaigns)
            .where(
                campaigns.c.status.in_(REPORTED_STATUSES)
                & (campaigns.c.start_date <= period.end)
                & (campaigns.c.end_date >= period.start)
            )
            .order_by(campaigns.c.id)
        ).all()


def _ended(engine: Engine, day: date) -> list[Any]:
    with engine.connect() as connection:
        return connection.execute(
            select(campaigns)
            .where(
                campaigns.c.status.in_(REPORTED_STATUSES)
                & (campaigns.c.end_date < day)
                & (campaigns.c.end_date >= day - timedelta(days=FINAL_WITHIN_DAYS))
            )
            .order_by(campaigns.c.id)
        ).all()


def _made_already(engine: Engine, campaign_id: int, cadence: str, period: Period) -> bool:
    with engine.connect() as connection:
        return (
            connection.execute(
                select(campaign_reports.c.id).where(
                    (campaign_reports.c.campaign_id == campaign_id)
                    & (campaign_reports.c.cadence == cadence)
                    & (campaign_reports.c.period_start == period.start)
                )
            ).first()
            is not None
        )


def _make(
    settings: Settings, engine: Engine, campaign: Any, cadence: str, period: Period
) -> MadeReport | None:
    """The report's files written (the same names each time, so a retried run overwrites what
    a failed one left), then its row and its email in one transaction; None when another run
    made it meanwhile."""
    with engine.connect() as connection:
        content = report_content(
            settings,
            connection,
            campaign_id=campaign.id,
            campaign_name=campaign.name,
            cadence=cadence,
            period=period,
        )
    html = report_html(content, campaign.currency)
    folder = settings.home.resolve() / "reports" / f"campaign-{campaign.id}"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{cadence}-{period.start.isoformat()}"
    html_path, pdf_path = folder / f"{stem}.html", folder / f"{stem}.pdf"
    _write(html_path, html.encode())
    _write(pdf_path, report_pdf(html))
    figures = _figures(content.headline)
    with transaction(engine) as connection:
        inserted = connection.execute(
            insert_ignoring_duplicates(connection, campaign_reports).values(
                campaign_id=campaign.id,
                cadence=cadence,
                period_start=period.start,
                period_end=period.end,
                html_path=str(html_path),
                pdf_path=str(pdf_path),
                figures=figures,
                created_at=utcnow(),
            )
        )
        if inserted.rowcount != 1:
            return None
        report_id = inserted.inserted_primary_key[0]
        if campaign.owner_email:
            request_id = email_notice(
                connection,
                template=TEMPLATE,
                recipient=campaign.owner_email,
                data={
                    "report_id": report_id,
                    "campaign_id": campaign.id,
                    "campaign_name": content.campaign_name,
                    "cadence": cadence,
                    "period_start": period.start.isoformat(),
                    "period_end": period.end.isoformat(),
                    "currency": campaign.currency,
                    **{name: _as_text(value) for name, value in figures.items()},
                    **report_urls(settings, report_id),
                },
                campaign_id=campaign.id,
                requested_by=MADE_BY,
                now=utcnow(),
            )
            connection.execute(
                campaign_reports.update()
                .where(campaign_reports.c.id == report_id)
                .values(notification_request_id=request_id)
            )
    return MadeReport(report_id, campaign.id, cadence, period)


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a reader never sees half a report."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)


def _figures(headline: dict[str, Any] | None) -> dict[str, Any]:
    """The period's headline figures as JSON keeps them (amounts as text, exact)."""
    current = headline["current"] if headline else {}
    return {
        name: str(value) if value is not None and not isinstance(value, int | float) else value
        for name, value in current.items()
    }


def _as_text(value: Any) -> str:
    return "n/a" if value is None else str(value)
