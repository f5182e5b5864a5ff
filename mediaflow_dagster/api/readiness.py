"""`/health/ready`: whether this API can serve, for a load balancer, and what it knows of the
services around it. The ops store and the warehouse are checked now (a query each); the external
services are reported as the runs last found them (`cms/dependencies.py`), never called from
here. Ready (200) needs the ops store and the warehouse; an external service that fails makes the
answer `degraded`, still 200: the API keeps taking writes, which the runs send on once the service
is back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.dependencies import dependency_states
from mediaflow_dagster.settings import Settings


def readiness(settings: Settings, engine: Engine) -> tuple[bool, dict[str, Any]]:
    """Whether the API is ready, and the answer that says why."""
    checks = {"ops_store": _ops_store(engine), "warehouse": _warehouse(settings)}
    ready = all(check["ok"] for check in checks.values())
    dependencies: dict[str, dict[str, Any]] = {}
    if checks["ops_store"]["ok"]:
        try:
            dependencies = dependency_states(engine, utcnow())
        except SQLAlchemyError as error:
            checks["ops_store"] = {"ok": False, "detail": _first_line(error)}
            ready = False
    if not ready:
        status = "unavailable"
    elif any(state["state"] in ("failing", "degraded") for state in dependencies.values()):
        status = "degraded"
    else:
        status = "ready"
    return ready, {"status": status, "checks": checks, "dependencies": dependencies}


def _ops_store(engine: Engine) -> dict[str, Any]:
    try:
        with engine.connect() as connection:
            connection.execute(text("select version_num from alembic_version")).scalar_one()
    except SQLAlchemyError as error:
        return {"ok": False, "detail": _first_line(error)}
    return {"ok": True, "detail": None}


def _warehouse(settings: Settings) -> dict[str, Any]:
    if settings.backend == "postgres":
        warehouse = create_engine(settings.postgres_url.get_secret_value())
        try:
            with warehouse.connect() as connection:
                connection.execute(text("select 1"))
        except SQLAlchemyError as error:
            return {"ok": False, "detail": _first_line(error)}
        finally:
            warehouse.dispose()
        return {"ok": True, "detail": None}
    return _duckdb_file(settings.warehouse_path)


def _duckdb_file(path: Path) -> dict[str, Any]:
    """A DuckDB file takes one writer and no reader beside it: a run writing it is no fault."""
    if not path.exists():
        return {"ok": True, "detail": "not built yet: the first insights or warehouse run makes it"}
    try:
        with duckdb.connect(str(path), read_only=True) as connection:
            connection.execute("select 1").fetchone()
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            return {"ok": True, "detail": "a run is writing it"}
        return {"ok": False, "detail": _first_line(error)}
    except duckdb.Error as error:
        return {"ok": False, "detail": _first_line(error)}
    return {"ok": True, "detail": None}


def _first_line(error: Exception) -> str:
    """The error's first line: a driver's later lines can carry the statement and parameters."""
    return str(error).splitlines()[0][:300] if str(error) else type(error).__name__
