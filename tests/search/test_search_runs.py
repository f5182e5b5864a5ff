"""The `ops/search_index` asset and the sensor that keeps it within a minute of the ops store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dagster import DagsterInstance, build_sensor_context, materialize
from sqlalchemy import update

from mediaflow_dagster.assets.search import search_index
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import campaign_objects
from mediaflow_dagster.definitions import build_definitions, build_resources
from mediaflow_sandbox.search_corpus import RELEVANCE_CAMPAIGNS, land_campaigns


def run(settings, rebuild=False):
    resources = {
        name: resource
        for name, resource in build_resources(settings).items()
        if name in {"ops_store", "search"}
    }
    result = materialize(
        [search_index],
        resources=resources,
        run_config={"ops": {"ops__search_index": {"config": {"rebuild": rebuild}}}},
        instance=DagsterInstance.ephemeral(),
    )
    (event,) = result.get_asset_materialization_events()
    return {name: entry.value for name, entry in event.materialization.metadata.items()}


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "dagster").mkdir()
    with DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        yield instance


def tick(settings, instance):
    definitions = build_definitions(settings)
    context = build_sensor_context(
        instance=instance,
        instance_ref=instance.get_ref(),
        definitions=definitions,
        resources=definitions.resources,
    )
    return definitions.resolve_sensor_def("search_index").evaluate_tick(context)


def test_runs_index_what_changed_and_a_rebuild_everything(settings, engine):
    land_campaigns(engine, RELEVANCE_CAMPAIGNS, written_at=utcnow() - timedelta(hours=1))

    first = run(settings)
    assert (first["indexed"], first["documents"], first["backend"]) == (34, 34, "database")
    with engine.begin() as connection:
        connection.execute(
            update(campaign_objects)
            .where(campaign_objects.c.id == 1)
            .values(title="Nouveau titre", updated_at=utcnow())
        )
    assert run(settings)["indexed"] == 4  # the object, its file and its two renditions
    assert run(settings, rebuild=True)["indexed"] == 34


def test_the_sensor_asks_for_a_run_when_the_ops_store_moved_and_not_otherwise(
    settings, engine, instance
):
    land_campaigns(engine, RELEVANCE_CAMPAIGNS, written_at=utcnow() - timedelta(hours=1))

    assert len(tick(settings, instance).run_requests) == 1  # never indexed
    run(settings)
    assert tick(settings, instance).run_requests == []
    with engine.begin() as connection:
        connection.execute(
            update(campaign_objects)
            .where(campaign_objects.c.id == 2)
            .values(status="approved", updated_at=utcnow())
        )
    (request,) = tick(settings, instance).run_requests
    assert request.run_key.startswith("search-index-")
