"""What every router of the API shares: how ids, pages and errors are declared."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from mediaflow_dagster.api.bodies import JsonRoute
from mediaflow_dagster.api.models import INT32_MAX, MAX_PAGE
from mediaflow_dagster.api.problems import documented

PathId = Annotated[int, Path(ge=1, le=INT32_MAX)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Items per page, at most {MAX_PAGE}.")]
Cursor = Annotated[
    int | None, Query(ge=0, le=INT32_MAX, description="`next_cursor` of the page before.")
]
ANY_REQUEST = (408, 413, 415, 422, 503)
PROTECTED = (*ANY_REQUEST, 401, 403, 429)


def protected_router(**options) -> APIRouter:
    """A router whose routes all need a credential, reading JSON strictly."""
    return APIRouter(route_class=JsonRoute, responses=documented(*PROTECTED), **options)
