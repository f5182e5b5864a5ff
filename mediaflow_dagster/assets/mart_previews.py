"""What an analyst sees of a mart in the Dagster UI without clicking: its row count, its first
rows as a typed table (Dagster's table metadata with a schema), and for the daily campaign mart
the headline figures of the campaigns and a plot of their daily curve (days that have happened:
the mart has no other)."""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import pandas as pd
from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from mediaflow_dagster.resources.warehouse import Warehouse

PREVIEW_ROWS = 10
PLOTTED_CAMPAIGNS = 5
DAILY_CAMPAIGN_MART = "campaign_performance__daily"
COLUMN_TYPES = {"i": "int", "u": "int", "f": "float", "b": "bool", "M": "timestamp"}


def mart_metadata(warehouse: Warehouse, schema: str, table: str) -> dict[str, MetadataValue]:
    relation = f"{schema}.{table}"
    rows = int(warehouse.query(f"select count(*) as row_count from {relation}").iloc[0, 0])
    preview = warehouse.query(f"select * from {relation} limit {PREVIEW_ROWS}")
    metadata = {
        "dagster/table_name": MetadataValue.text(warehouse.table_name(schema, table)),
        "dagster/row_count": MetadataValue.int(rows),
        "preview": typed_table(preview),
    }
    if table == DAILY_CAMPAIGN_MART and rows:
        metadata |= headline_figures(warehouse, relation)
        metadata["daily_curve"] = MetadataValue.md(_daily_curve(warehouse, relation))
    return metadata


def typed_table(frame: pd.DataFrame) -> MetadataValue:
    """`frame` as Dagster's table metadata: a schema from its column types, missing values as
    blanks (never `nan`)."""
    schema = TableSchema(
        columns=[TableColumn(str(name), _column_type(frame[name])) for name in frame.columns]
    )
    records = [
        TableRecord({str(name): _cell(value) for name, value in row.items()})
        for row in frame.to_dict("records")
    ]
    return MetadataValue.table(records, schema=schema)


def headline_figures(warehouse: Warehouse, relation: str) -> dict[str, MetadataValue]:
    """The campaigns' totals to date: what an analyst reads first."""
    totals = warehouse.query(
        f"""
        select count(distinct campaign_id) as campaigns,
               sum(posts_published) as posts_published,
               sum(impressions) as impressions,
               sum(engagements) as engagements,
               sum(budget_allocated) as budget_spent_to_date,
               max(day) as latest_day
        from {relation}
        """
    ).iloc[0]
    spent, engagements = totals["budget_spent_to_date"], totals["engagements"]
    figures = {
        "campaigns": MetadataValue.int(int(totals["campaigns"])),
        "posts_published": MetadataValue.int(int(totals["posts_published"] or 0)),
        "impressions": MetadataValue.int(int(totals["impressions"] or 0)),
        "engagements": MetadataValue.int(int(engagements or 0)),
        "latest_day": MetadataValue.text(str(pd.Timestamp(totals["latest_day"]).date())),
    }
    if pd.notna(spent):
        figures["budget_spent_to_date"] = MetadataValue.float(round(float(spent), 2))
        if engagements:
            figures["cost_per_engagement"] = MetadataValue.float(
                round(float(spent) / float(engagements), 4)
            )
    return figures


def _column_type(column: pd.Series) -> str:
    return COLUMN_TYPES.get(column.dtype.kind, "string")


def _cell(value: Any) -> str | int | float | bool | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if pd.isna(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _daily_curve(warehouse: Warehouse, relation: str) -> str:
    """Impressions and engagements per day of the most recently active campaigns, as an inline
    PNG. matplotlib is imported here: only the marts' build draws, and every other run process
    of the code location would carry it (about 26 MB)."""
    from matplotlib.dates import DateFormatter, DayLocator
    from matplotlib.figure import Figure

    daily = warehouse.query(
        f"""
        select campaign_name, day, sum(impressions) as impressions,
               sum(engagements) as engagements
        from {relation}
        where campaign_id in (
            select campaign_id from {relation}
            group by campaign_id order by max(day) desc, campaign_id limit {PLOTTED_CAMPAIGNS}
        )
        group by campaign_name, day
        order by campaign_name, day
        """
    )
    figure = Figure(figsize=(8, 5))
    impressions, engagements = figure.subplots(2, 1, sharex=True)
    for name, curve in daily.groupby("campaign_name"):
        days = pd.to_datetime(curve["day"])
        impressions.plot(days, curve["impressions"], marker="o", label=name)
        engagements.plot(days, curve["engagements"], marker="o", label=name)
    impressions.set_ylabel("impressions")
    engagements.set_ylabel("engagements")
    impressions.legend(fontsize="small")
    engagements.xaxis.set_major_locator(DayLocator(interval=max(1, len(daily) // 14)))
    engagements.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return f"![daily curve](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()})"
