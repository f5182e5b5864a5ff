"""A revoked account withdrawn from Make too: its scenario switched off and its connection (the
platform tokens Make holds) deleted, idempotently. What Make did is reported; a failure leaves
the account revoked and unreleased, for the next account check (`accounts_job`) to finish."""

from __future__ import annotations

from typing import Any

from mediaflow_dagster.cms.accounts import record_release
from mediaflow_dagster.cms.database import Bind
from mediaflow_dagster.resources.make_api import MAKE_FAILURES, MakeApi


def release_in_make(bind: Bind, make_api: MakeApi, account: dict[str, Any]) -> dict[str, Any]:
    """What Make did for the revoked `account`: `scenario`, `connection`, `finished`, and the
    `error` that stopped it (then it is left for the next account check)."""
    if account["make_released_at"] is not None:
        return {
            "scenario": "already released",
            "connection": "already released",
            "finished": True,
            "error": None,
        }
    try:
        release = make_api.release(account["make_scenario_id"], account["make_connection_id"])
    except MAKE_FAILURES as error:
        return {
            "scenario": "not yet",
            "connection": "not yet",
            "finished": False,
            "error": f"Make did not release the account: {error}; the next account check "
            "tries again",
        }
    record_release(bind, account["id"])
    return {
        "scenario": release.scenario,
        "connection": release.connection,
        "finished": True,
        "error": None,
    }
