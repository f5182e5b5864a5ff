"""A report as a page: HTML from `report.html.j2` (Jinja2, every value escaped) with its growth
curves drawn by matplotlib as inline SVG (no file beside the page; text the browser and the PDF
keep sharp), and the same page as a PDF through WeasyPrint, which lays out HTML and CSS and
draws SVG itself, without a browser."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from mediaflow_dagster.reports.content import ReportContent

HEADLINE_FIGURES = (
    ("posts_published", "Posts published"),
    ("impressions", "Impressions"),
    ("reach", "Reach"),
    ("video_views", "Video views"),
    ("engagements", "Engagements"),
    ("clicks", "Clicks"),
    ("engagement_rate", "Engagement rate"),
    ("spend", "Spend"),
    ("cost_per_engagement", "Cost per engagement"),
)
TEMPLATES = Environment(
    loader=PackageLoader("mediaflow_dagster.reports", "."),
    autoescape=select_autoescape(["html.j2"]),
    undefined=StrictUndefined,
)


def report_html(content: ReportContent, currency: str | None) -> str:
    return TEMPLATES.get_template("report.html.j2").render(
        report=content,
        figures=HEADLINE_FIGURES,
        currency=currency,
        shown=shown,
        change=change,
        chart=Markup(growth_chart(content)) if content.curve else None,
    )


def report_pdf(html: str) -> bytes:
    """WeasyPrint is imported here: only the reports' runs lay out PDFs."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def shown(value: Any, figure: str = "") -> str:
    """A figure as the report prints it: counts with thousands separators, rates as percents,
    money with two decimals, a missing figure as n/a."""
    if value is None:
        return "n/a"
    if figure == "engagement_rate":
        return f"{float(value):.2%}"
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def change(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.1%}"


def growth_chart(content: ReportContent) -> str:
    """Impressions and engagements to date, a day at a time, the report's period shaded."""
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    days = [point["day"] for point in content.curve]
    figure = Figure(figsize=(8, 4.5))
    impressions, engagements = figure.subplots(2, 1, sharex=True)
    impressions.plot(days, [p["impressions_to_date"] for p in content.curve], marker="o")
    engagements.plot(
        days, [p["engagements_to_date"] for p in content.curve], marker="o", color="tab:orange"
    )
    impressions.set_ylabel("impressions to date")
    engagements.set_ylabel("engagements to date")
    for axes in (impressions, engagements):
        axes.axvspan(content.period.start, content.period.end, color="tab:blue", alpha=0.08)
        axes.grid(alpha=0.3)
        axes.set_ylim(bottom=0)
    engagements.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    figure.autofmt_xdate()
    figure.set_layout_engine("tight")
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
