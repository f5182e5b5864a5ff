"""Administration: API keys (made, listed, revoked) and the audit log of every change."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Response
from sqlalchemy import Connection

from mediaflow_dagster.api.context import ApiContext, context
from mediaflow_dagster.api.models import ApiKey, ApiKeyIn, AuditEntry, IssuedApiKey, Page
from mediaflow_dagster.api.problems import documented, field_refused
from mediaflow_dagster.api.routes.common import Cursor, Limit, PathId, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import api_keys
from mediaflow_dagster.cms.audit import audit_entries
from mediaflow_dagster.cms.database import utcnow

router = protected_router(prefix="/api/admin", tags=["administration"])
Store = Annotated[Connection, Depends(connection)]
KeyAdmin = require("keys:admin")
AuditReader = require("audit:read")


@router.post("/keys", status_code=201, response_model=IssuedApiKey)
def create_key(
    wanted: ApiKeyIn,
    response: Response,
    store: Store,
    admin: KeyAdmin,
    api: Annotated[ApiContext, Depends(context)],
) -> dict[str, Any]:
    """A new API key with the given scopes; the answer holds the key, shown this once."""
    if wanted.expires_in_days > api.api_settings.api_key_max_days:
        limit = api.api_settings.api_key_max_days
        raise field_refused(
            "expires_in_days", f"a key lives at most {limit} days here", wanted.expires_in_days
        )
    key, record = api_keys.create_key(
        store,
        name=wanted.name,
        scopes=list(wanted.scopes),
        created_by=admin.actor,
        expires_at=utcnow() + timedelta(days=wanted.expires_in_days),
    )
    response.headers["location"] = f"/api/admin/keys/{record['id']}"
    return {**record, "key": key}


@router.get("/keys", response_model=Page[ApiKey])
def list_keys(store: Store, _: KeyAdmin, limit: Limit = 50, cursor: Cursor = None) -> dict:
    items, next_cursor = api_keys.list_keys(store, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/keys/{key_id}/revoke", response_model=ApiKey, responses=documented(404))
def revoke_key(key_id: PathId, store: Store, _: KeyAdmin) -> dict[str, Any]:
    """The key stops working at once."""
    return api_keys.revoke_key(store, key_id)


@router.get("/audit", response_model=Page[AuditEntry])
def read_audit(
    store: Store, _: AuditReader, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    """Every change made through the API, oldest first: who, with which credential (a key's
    prefix, a token's subject), the route and its target, the answer's status, when."""
    items, next_cursor = audit_entries(store, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}
