"""A mart's preview is typed table metadata: a schema from its columns, blanks where values are
missing, never `nan`."""

from datetime import date

import pandas as pd

from mediaflow_dagster.assets.mart_previews import typed_table
from mediaflow_dagster.assets.publishing import blocked_table
from mediaflow_dagster.resources.warehouse import Warehouse


def test_a_preview_has_a_typed_schema_and_blanks_for_missing_values():
    frame = pd.DataFrame(
        {
            "platform": ["youtube", "x"],
            "day": [date(2026, 12, 3), date(2026, 12, 4)],
            "reach": [float("nan"), 12.0],
            "posts_published": pd.array([1, None], dtype="Int64"),
        }
    )

    preview = typed_table(frame)

    types = {column.name: column.type for column in preview.schema.columns}
    assert types == {
        "platform": "string",
        "day": "string",
        "reach": "float",
        "posts_published": "int",
    }
    assert [record.data for record in preview.records] == [
        {"platform": "youtube", "day": "2026-12-03", "reach": None, "posts_published": 1},
        {"platform": "x", "day": "2026-12-04", "reach": 12.0, "posts_published": None},
    ]


def test_a_blocked_publication_shows_each_reason_with_its_fix():
    error = (
        "youtube takes video posts, not image (fix: leave youtube out of this image's targets); "
        "youtube takes video/*, not image/jpeg (fix: send youtube video media instead)"
    )

    table = blocked_table(
        [{"id": 9, "object_id": 2, "platform": "youtube", "status": "blocked", "error": error}]
    )

    assert [(row.data["reason"], row.data["fix"]) for row in table.records] == [
        ("youtube takes video posts, not image", "leave youtube out of this image's targets"),
        ("youtube takes video/*, not image/jpeg", "send youtube video media instead"),
    ]


def test_a_marts_table_name_is_in_its_warehouses_own_catalog():
    embedded = Warehouse(backend="embedded", duckdb_path="/srv/.mediaflow/warehouse.duckdb")
    postgres = Warehouse(
        backend="postgres",
        duckdb_path="unused.duckdb",
        postgres_url="postgresql+psycopg2://mediaflow@db:5432/campaigns",
    )

    assert embedded.table_name("marts", "x") == "warehouse.marts.x"
    assert postgres.table_name("marts", "x") == "campaigns.marts.x"
