"""Where the steps of the jobs that fan out run: in the run's own process by default (one
machine, nothing more to start), or on the Celery workers (dagster-celery over RabbitMQ) when
`MEDIAFLOW_EXECUTOR=celery`, as the production deployment runs them (deploy/, docs/operations.md).

The broker's URL holds RabbitMQ's password: the executor's config names its variable
(`MEDIAFLOW_CELERY_BROKER_URL`), never its value, so no run's config in Dagster's storage holds
it. The workers start with the same settings (deploy/celery.yaml) and listen on the same queue."""

from dagster import ExecutorDefinition, in_process_executor
from dagster_celery import celery_executor

from mediaflow_dagster.settings import Settings, variable_name

WORKER_SETTINGS = {
    # a task is acknowledged when its step has run, so the broker gives a step whose worker
    # died to another worker instead of losing it
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
}
"""The Celery settings the jobs and the workers share (deploy/celery.yaml holds the same)."""


def fan_out_executor(settings: Settings) -> ExecutorDefinition:
    if settings.executor == "in_process":
        return in_process_executor
    return celery_executor.configured(
        {
            "broker": {"env": variable_name("celery_broker_url")},
            "backend": "rpc://",
            "config_source": {"task_default_queue": settings.celery_queue, **WORKER_SETTINGS},
        },
        name="celery",
    )
