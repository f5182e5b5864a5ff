"""What an analyst reads in the Dagster UI: every asset and check says what it is, who answers
for it, what it runs on and where it belongs; dbt tests say what they assert."""

import duckdb
from dagster import AssetKey

from mediaflow_dagster.definitions import build_definitions
from mediaflow_dagster.settings import Settings


def asset_graph(tmp_path):
    return build_definitions(Settings(home=tmp_path)).get_repository_def().asset_graph


def test_every_asset_has_a_description_an_owner_kinds_and_a_group(tmp_path):
    graph = asset_graph(tmp_path)
    lacking = {
        key.to_user_string(): [
            what
            for what, value in (
                ("description", node.description),
                ("owners", node.owners),
                ("kinds", node.kinds),
                ("group", node.group_name),
            )
            if not value
        ]
        for key in graph.materializable_asset_keys
        if not all(
            (node := graph.get(key)).description and node.owners and node.kinds and node.group_name
        )
    }

    assert lacking == {}


def test_every_check_says_what_it_asserts(tmp_path):
    graph = asset_graph(tmp_path)
    checks = {key.name: graph.get_check_spec(key).description for key in graph.asset_check_keys}

    assert [name for name, description in checks.items() if not description] == []
    assert checks["not_null_dim_posts_campaign_id"] == "campaign_id is never NULL."
    assert "one clock" in checks["assert_publish_delays_are_possible"]
    assert "not a failure" in checks["youtube_content_specs"]


def test_a_marts_table_name_is_the_one_in_the_warehouse_catalog(tmp_path):
    settings = Settings(home=tmp_path)
    spec = asset_graph(tmp_path).get(AssetKey(["marts", "campaign_performance__daily"]))
    with duckdb.connect(str(settings.warehouse_path)) as warehouse:
        [(catalog,)] = warehouse.execute("select current_database()").fetchall()

    assert spec.metadata["dagster/table_name"] == f"{catalog}.marts.campaign_performance__daily"
