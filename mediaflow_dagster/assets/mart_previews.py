"""What an analyst sees of a mart in the Dagster UI: its row count, its first rows, and for the
daily campaign mart, a plot of each campaign's daily curve."""

from __future__ import annotations

import base64
import io

import pandas as pd
from dagster import MetadataValue

from mediaflow_dagster.resources.warehouse import Warehouse
from mediaflow_dagster.tables import markdown_table

PREVIEW_ROWS = 10
PLOTTED_CAMPAIGNS = 5
DAILY_CAMPAIGN_MART = "campaign_performance__daily"


def mart_metadata(warehouse: Warehouse, schema: str, table: str) -> dict[str, MetadataValue]:
    relation = f"{schema}.{table}"
    rows = int(warehouse.query(f"select count(*) as row_count from {relation}").iloc[0, 0])
    preview = warehouse.query(f"select * from {relation} limit {PREVIEW_ROWS}")
    metadata = {
        "row_count": MetadataValue.int(rows),
        "preview": MetadataValue.md(markdown_table(preview.to_dict("records"))),
    }
    if table == DAILY_CAMPAIGN_MART and rows:
        metadata["daily_curve"] = MetadataValue.md(_daily_curve(warehouse, relation))
    return metadata


def _daily_curve(warehouse: Warehouse, relation: str) -> str:
    """Impressions and engagements per day of the most recently active campaigns, as an inline
    PNG in Markdown. matplotlib is imported here: only the marts' build draws, and every other
    run process of the code location would carry it (about 26 MB)."""
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
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return f"![daily curve](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()})"
