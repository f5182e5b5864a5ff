"""Clients of the CMS API for tests: an app on a test's stores, and keys with the scopes of
given roles, made the way `mediaflow keys create` makes them."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from starlette.testclient import TestClient

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.api.scopes import scopes_of
from mediaflow_dagster.cms.api_keys import create_key
from mediaflow_dagster.cms.database import ops_engine, utcnow
from mediaflow_dagster.settings import Settings


def key_headers(settings: Settings, *roles: str, name: str = "tests") -> dict[str, str]:
    """The `Authorization` header of a new key with the scopes of `roles`, in the ops store of
    `settings` (migrated: an app on it exists)."""
    key, _ = create_key(
        ops_engine(settings.ops_database_url),
        name=name,
        scopes=sorted(scopes_of(roles)),
        created_by="tests",
        expires_at=utcnow() + timedelta(days=1),
    )
    return {"authorization": f"Bearer {key}"}


def api_client(settings: Settings, *roles: str, app: FastAPI | None = None) -> TestClient:
    """A client of the API on `settings`' stores, holding a key of `roles` (admin by default)."""
    app = app or create_app(settings)
    return TestClient(app, headers=key_headers(settings, *(roles or ("admin",))))
