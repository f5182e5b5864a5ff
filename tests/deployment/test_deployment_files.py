"""The production deployment as files (`deploy/`), checked without a container engine: the Dagster
instance is made from its YAML on a real PostgreSQL, the compose file describes every service
whole, the Helm values use only keys Dagster's chart defines, and the image installs mediaflow
the way dev.py does."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster import DagsterInstance
from dagster._core.instance.config import dagster_instance_config
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.workspace.config_schema import ensure_workspace_config
from sqlalchemy import make_url

from mediaflow_dagster.executors import WORKER_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_SERVICES = {
    "postgres",
    "rabbitmq",
    "code-server",
    "webserver",
    "daemon",
    "celery-worker",
    "api-1",
    "api-2",
    "api",
    "n8n",
    "superset",
}
NEEDS_NOTHING = {"postgres", "rabbitmq"}

# Key paths of Dagster's Helm chart, read in the chart's schema source (the pydantic models
# `values.schema.json` is generated from: helm/dagster/schema/schema/charts/dagster/values.py
# and subschema/{global_,postgresql,rabbitmq,webserver,daemon,run_launcher}.py,
# charts/dagster_user_deployments/subschema/user_deployments.py) in dagster-io/dagster at the
# Dagster 1.x chart (values.py at commit 835892b4, daemon.py 835892b4, run_launcher.py 969d7265,
# webserver.py 288c6113, user_deployments.py 58b05650). `[]` is a list's item; a path ending in
# `*` is a map the chart leaves free (Kubernetes objects, env, the daemon's runMonitoring and
# runRetries, passed through to dagster.yaml).
CHART_KEYS = {
    "global.postgresqlSecretName",
    "global.serviceAccountName",
    "generatePostgresqlPasswordSecret",
    "postgresql.enabled",
    "postgresql.postgresqlHost",
    "postgresql.postgresqlUsername",
    "postgresql.postgresqlDatabase",
    "postgresql.service.port",
    "rabbitmq.enabled",
    "dagsterWebserver.replicaCount",
    "dagsterWebserver.envSecrets[].name",
    "dagsterWebserver.env.*",
    "dagster-user-deployments.enabled",
    "dagster-user-deployments.deployments[].name",
    "dagster-user-deployments.deployments[].image.repository",
    "dagster-user-deployments.deployments[].image.tag",
    "dagster-user-deployments.deployments[].image.pullPolicy",
    "dagster-user-deployments.deployments[].codeServerArgs[]",
    "dagster-user-deployments.deployments[].port",
    "dagster-user-deployments.deployments[].env.*",
    "dagster-user-deployments.deployments[].envSecrets[].name",
    "dagster-user-deployments.deployments[].includeConfigInLaunchedRuns.enabled",
    "dagster-user-deployments.deployments[].podSecurityContext.*",
    "dagster-user-deployments.deployments[].resources.*",
    "runLauncher.type",
    "runLauncher.config.k8sRunLauncher.imagePullPolicy",
    "runLauncher.config.k8sRunLauncher.loadInclusterConfig",
    "runLauncher.config.k8sRunLauncher.envSecrets[].name",
    "runLauncher.config.k8sRunLauncher.securityContext.*",
    "dagsterDaemon.enabled",
    "dagsterDaemon.envSecrets[].name",
    "dagsterDaemon.runCoordinator.enabled",
    "dagsterDaemon.runCoordinator.type",
    "dagsterDaemon.runCoordinator.config.queuedRunCoordinator.maxConcurrentRuns",
    "dagsterDaemon.runCoordinator.config.queuedRunCoordinator.dequeueIntervalSeconds",
    "dagsterDaemon.runCoordinator.config.queuedRunCoordinator.tagConcurrencyLimits[].key",
    "dagsterDaemon.runCoordinator.config.queuedRunCoordinator.tagConcurrencyLimits[].limit",
    "dagsterDaemon.runMonitoring.*",
    "dagsterDaemon.runRetries.*",
}


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a YAML value, down to the leaves: `a.b`, `a.list[].c`."""
    if isinstance(value, dict):
        return set().union(
            *(
                key_paths(item, f"{prefix}.{key}" if prefix else str(key))
                for key, item in value.items()
            )
        )
    if isinstance(value, list):
        return set().union(*(key_paths(item, f"{prefix}[]") for item in value)) or {f"{prefix}[]"}
    return {prefix}


def defined_by_chart(path: str) -> bool:
    return path in CHART_KEYS or any(
        path.startswith(free.removesuffix("*")) for free in CHART_KEYS if free.endswith(".*")
    )


def test_the_instance_yaml_passes_dagsters_own_validation():
    config, _ = dagster_instance_config(str(DEPLOY))

    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_monitoring"]["enabled"] and config["run_retries"]["enabled"]


def test_the_instance_keeps_runs_events_and_schedules_in_postgresql_and_queues_runs_by_tag(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    url = make_url(postgres_database)
    for name, value in {
        "HOST": url.host,
        "USER": url.username,
        "PASSWORD": url.password or "",
        "DB": url.database,
    }.items():
        monkeypatch.setenv(f"MEDIAFLOW_DAGSTER_PG_{name}", value)
    home = tmp_path / "dagster-home"
    home.mkdir()
    (home / "dagster.yaml").write_text((DEPLOY / "dagster.yaml").read_text())

    with DagsterInstance.from_config(str(home)) as instance:
        storages = {
            type(instance.run_storage).__name__,
            type(instance.event_log_storage).__name__,
            type(instance.schedule_storage).__name__,
        }
        coordinator = instance.run_coordinator
        queue = instance.get_concurrency_config().run_queue_config
        limits = {limit["key"]: limit for limit in queue.tag_concurrency_limits}
        assert instance.get_runs() == []
        assert instance.run_monitoring_enabled and instance.run_retries_enabled

    assert storages == {"PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"}
    assert isinstance(coordinator, QueuedRunCoordinator)
    assert limits["mediaflow.platform/facebook"]["limit"] == 2
    assert limits["mediaflow/warehouse"]["limit"] == 1
    assert queue.max_concurrent_runs == 8


def test_the_workspace_loads_the_code_location_from_its_grpc_server(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("MEDIAFLOW_CODE_SERVER_HOST", "code-server")
    path = DEPLOY / "workspace.yaml"
    workspace = ensure_workspace_config(yaml.safe_load(path.read_text()), str(path))
    (location,) = workspace["load_from"]

    assert location["grpc_server"]["location_name"] == "mediaflow"
    assert location["grpc_server"]["port"] == 4000
    assert location["grpc_server"]["host"] == "code-server"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_has_every_service_of_the_deployment(compose):
    assert set(compose["services"]) == COMPOSE_SERVICES


@pytest.mark.parametrize("name", sorted(COMPOSE_SERVICES))
def test_each_compose_service_has_an_image_environment_dependencies_and_a_health_check(
    compose, name
):
    service = compose["services"][name]

    assert service.get("image") or service.get("build")
    assert service["environment"]
    assert service["healthcheck"]["test"]
    if name not in NEEDS_NOTHING:
        assert service["depends_on"]
        assert set(service["depends_on"]) <= set(compose["services"])
        assert all(
            dependency["condition"] == "service_healthy"
            for dependency in service["depends_on"].values()
        )


def test_compose_writes_no_secret_value(compose):
    """Every password, key and token comes from secrets.env or a required variable."""
    secretive = re.compile(r"PASSWORD|SECRET|KEY|TOKEN", re.IGNORECASE)
    written = {
        (name, variable): value
        for name, service in compose["services"].items()
        for variable, value in service["environment"].items()
        if secretive.search(variable) and not str(value).startswith("${")
    }
    assert written == {}


def test_the_api_runs_twice_behind_one_address(compose):
    proxy = compose["services"]["api"]["command"]

    assert [proxy[index + 1] for index, part in enumerate(proxy) if part == "--to"] == [
        "api-1:8000",
        "api-2:8000",
    ]
    assert compose["services"]["celery-worker"]["deploy"]["replicas"] == 2


def test_the_workers_take_the_settings_the_insights_job_sends_its_steps_with(compose):
    worker = yaml.safe_load((DEPLOY / "celery.yaml").read_text())["execution"]["config"]
    environment = compose["x-environment"]

    assert worker["broker"] == {"env": "MEDIAFLOW_CELERY_BROKER_URL"}
    assert worker["config_source"] == WORKER_SETTINGS | {
        "task_default_queue": environment["MEDIAFLOW_CELERY_QUEUE"]
    }
    assert environment["MEDIAFLOW_EXECUTOR"] == "celery"


def test_the_kubernetes_workers_run_as_the_compose_workers_on_the_code_server_s_queue(compose):
    worker, volume = yaml.safe_load_all((DEPLOY / "celery-workers.k8s.yaml").read_text())
    pod = worker["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    environment = {variable["name"]: variable.get("value") for variable in container["env"]}
    code_server = yaml.safe_load((DEPLOY / "helm-values.yaml").read_text())[
        "dagster-user-deployments"
    ]["deployments"][0]["env"]

    assert worker["spec"]["replicas"] == 2
    assert container["command"] == compose["services"]["celery-worker"]["command"]
    assert container["envFrom"] == [{"secretRef": {"name": "mediaflow-secrets"}}]
    for name in ("MEDIAFLOW_EXECUTOR", "MEDIAFLOW_CELERY_QUEUE", "MEDIAFLOW_BACKEND"):
        assert environment[name] == code_server[name]
    assert "DAGSTER_PG_PASSWORD" in environment and environment["DAGSTER_PG_PASSWORD"] is None
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert volume["spec"]["accessModes"] == ["ReadWriteMany"]
    assert container["volumeMounts"][0]["mountPath"] == "/var/lib/mediaflow"


def test_the_helm_values_use_only_keys_the_chart_defines():
    values = yaml.safe_load((DEPLOY / "helm-values.yaml").read_text())

    undefined = sorted(path for path in key_paths(values) if not defined_by_chart(path))
    assert undefined == []


def test_the_helm_values_take_secrets_from_the_cluster_only():
    text = (DEPLOY / "helm-values.yaml").read_text()

    assert not re.search(r"(?im)^\s*(postgresqlPassword|password)\s*:", text)
    assert "generatePostgresqlPasswordSecret: false" in text


def dockerfile_runs() -> list[list[str]]:
    lines = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    return [shlex.split(line.removeprefix("RUN ")) for line in lines if line.startswith("RUN ")]


def test_the_image_installs_mediaflow_as_dev_py_does_without_the_sandbox():
    """dev.py makes the venv, installs requirements.lock, then mediaflow (and the sandbox) with
    --no-deps, then prepares the dbt manifest: the image runs the same commands."""
    dev = (ROOT / "dev.py").read_text()
    installs = [run for run in dockerfile_runs() if run[:4] == ["python", "-m", "pip", "install"]]

    assert '"-r", "requirements.lock"' in dev and '"--no-deps", "-e", "."' in dev
    assert [install[4:] for install in installs] == [
        ["--disable-pip-version-check", "-q", "-r", "requirements.lock"],
        ["--disable-pip-version-check", "-q", "--no-deps", "-e", "."],
    ]
    assert '"--disable-pip-version-check", "-q"' in dev
    assert ["python", "-m", "venv", "/opt/mediaflow/.venv"] in dockerfile_runs()
    assert [
        "dagster-dbt",
        "project",
        "prepare-and-package",
        "--file",
        "mediaflow_dagster/dbt_project.py",
    ] in dockerfile_runs()
    assert (
        '"prepare-and-package",\n        "--file",\n        "mediaflow_dagster/dbt_project.py"'
        in dev
    )


def test_the_image_runs_as_a_user_without_privileges():
    stages = re.split(r"^FROM ", (DEPLOY / "Dockerfile").read_text(), flags=re.MULTILINE)[1:]

    assert len(stages) == 2
    assert re.search(r"^USER mediaflow$", stages[-1], re.MULTILINE)
