"""API keys for machines: a key is shown once, when it is made; the ops store keeps its public
prefix (how it is found and named) and a SHA-256 hash of the whole key (keys are 256 random bits:
a slow hash would add nothing), its scopes, its expiry and its revocation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from mediaflow_dagster.cms.database import Bind, page, transaction, utcnow
from mediaflow_dagster.cms.errors import NotFound
from mediaflow_dagster.cms.schema import api_keys

KEY_MARK = "mfk"
PUBLIC_COLUMNS = [column for column in api_keys.c if column.name != "secret_hash"]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    bind: Bind, *, name: str, scopes: list[str], created_by: str, expires_at: datetime
) -> tuple[str, dict[str, Any]]:
    """A new key, `mfk_<prefix>_<secret>`, and what is kept of it; the key itself is not kept.
    (Two keys drawing the same 48-bit prefix would break the unique constraint, not each other.)"""
    prefix = secrets.token_hex(6)
    key = f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction(bind) as connection:
        key_id = connection.execute(
            insert(api_keys).values(
                prefix=prefix,
                secret_hash=_digest(key),
                name=name,
                scopes=sorted(set(scopes)),
                created_by=created_by,
                created_at=utcnow(),
                expires_at=expires_at,
            )
        ).inserted_primary_key[0]
    return key, get_key(bind, key_id)


def get_key(bind: Bind, key_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(select(*PUBLIC_COLUMNS).where(api_keys.c.id == key_id)).first()
    if row is None:
        raise NotFound(f"API key {key_id} does not exist")
    return dict(row._mapping)


def list_keys(bind: Bind, after: int | None, limit: int) -> tuple[list[dict[str, Any]], int | None]:
    return page(bind, select(*PUBLIC_COLUMNS), api_keys.c.id, after, limit)


def revoke_key(bind: Bind, key_id: int) -> dict[str, Any]:
    """The key stops working at once; its record stays, for the audit log's sake."""
    with transaction(bind) as connection:
        connection.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    return get_key(bind, key_id)


def find_key(bind: Bind, presented: str, now: datetime) -> dict[str, Any] | None:
    """The live key `presented` is, or None (unknown, wrong secret, expired or revoked)."""
    mark, _, rest = presented.partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != KEY_MARK or not prefix or not secret:
        return None
    with transaction(bind) as connection:
        row = connection.execute(select(api_keys).where(api_keys.c.prefix == prefix)).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _digest(presented)):
        return None
    if row.revoked_at is not None or row.expires_at <= now:
        return None
    return {column.name: row._mapping[column.name] for column in PUBLIC_COLUMNS}


def is_key(presented: str) -> bool:
    """Whether a bearer credential is one of these keys (rather than a sign-in token)."""
    return presented.startswith(f"{KEY_MARK}_")
