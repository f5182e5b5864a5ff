"""`GET /api/communication/status`: the module's health for the people running it: each external
service as the runs last found it, open platform circuits, what waits in each queue, and the last
successful run of each schedule. Nothing is called to answer it: the ops store and the Dagster
instance's run storage are read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import Connection

from mediaflow_dagster.api.communication_models import OperationsStatus
from mediaflow_dagster.api.context import ApiContext, context
from mediaflow_dagster.api.routes.common import protected_router
from mediaflow_dagster.api.schedule_runs import instance_home, schedule_runs
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.dependencies import dependency_states
from mediaflow_dagster.cms.operations import open_circuits, queue_depths

router = protected_router(prefix="/api/communication", tags=["communication"])
Store = Annotated[Connection, Depends(connection)]
Api = Annotated[ApiContext, Depends(context)]
Watcher = require("metrics:read")


@router.get("/status", response_model=OperationsStatus)
def operations_status(store: Store, api: Api, _: Watcher) -> dict[str, Any]:
    """Dependencies, open circuits, queue depths and schedules' last successes; the schedules
    are `unknown` when the Dagster instance cannot be read within a few seconds."""
    now = utcnow()
    return {
        "dependencies": dependency_states(store, now),
        "open_circuits": open_circuits(store, now),
        "queues": queue_depths(store),
        "schedules": schedule_runs(instance_home(api.settings)),
    }
