"""Where the insights collection's steps run follows the settings: in the run's process by
default, on the Celery workers when the deployment says so, and never on the embedded stores."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from mediaflow_dagster.definitions import build_definitions
from mediaflow_dagster.settings import MissingSetting, Settings

BROKER = "pyamqp://mediaflow:broker-password@rabbitmq//"


def insights_executor(settings: Settings):
    job = build_definitions(settings).resolve_job_def("insights_job")
    return job.executor_def


def test_the_embedded_default_runs_the_steps_in_the_run_s_own_process(tmp_path):
    assert insights_executor(Settings(home=tmp_path)).name == "in_process"


def test_the_celery_executor_sends_the_steps_to_the_settings_queue_reading_the_broker_at_run_time(
    tmp_path, monkeypatch: pytest.MonkeyPatch
):
    """The broker's URL (with its password) is read from the environment when a run starts,
    never written into the job's config."""
    settings = Settings(
        home=tmp_path,
        backend="postgres",
        postgres_url=SecretStr("postgresql+psycopg2://mediaflow@db/mediaflow"),
        executor="celery",
        celery_broker_url=SecretStr(BROKER),
        celery_queue="insights",
    )
    executor = insights_executor(settings)
    monkeypatch.delenv("MEDIAFLOW_CELERY_BROKER_URL", raising=False)

    unset = executor.config_schema.resolve_config({})
    monkeypatch.setenv("MEDIAFLOW_CELERY_BROKER_URL", BROKER)
    config = executor.config_schema.resolve_config({}).value["config"]

    assert executor.name == "celery"
    assert "MEDIAFLOW_CELERY_BROKER_URL" in unset.errors[0].message
    assert config["broker"] == BROKER
    assert config["config_source"]["task_default_queue"] == "insights"
    assert config["config_source"]["task_acks_late"] is True


def test_celery_is_refused_on_the_embedded_stores(tmp_path):
    with pytest.raises(ValidationError, match="needs the postgres backend"):
        Settings(home=tmp_path, executor="celery", celery_broker_url=SecretStr(BROKER))


def test_celery_without_a_broker_names_the_missing_variable(tmp_path):
    with pytest.raises(MissingSetting, match="MEDIAFLOW_CELERY_BROKER_URL"):
        Settings(
            home=tmp_path,
            backend="postgres",
            postgres_url=SecretStr("postgresql+psycopg2://mediaflow@db/mediaflow"),
            executor="celery",
        )
