"""Each social account's read credential for its platform's insights API: the access token (and
refresh token) encrypted at rest, their expiry and scopes, and why the account must be
reconnected once a read found the credential unusable. Tokens leave this module decrypted only
inside a `ReadCredential`, whose repr hides them; nothing here logs or returns them otherwise."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from mediaflow_dagster.cms.accounts import get_social_account
from mediaflow_dagster.cms.credential_cipher import CredentialCipher
from mediaflow_dagster.cms.database import Bind, transaction, utcnow
from mediaflow_dagster.cms.schema import account_credentials, social_accounts

PLATFORM_TOKEN_SETTINGS = {
    "facebook": "facebook_access_token",
    "instagram": "instagram_access_token",
    "youtube": "youtube_oauth_token",
    "linkedin": "linkedin_access_token",
    "tiktok": "tiktok_access_token",
    "x": "x_bearer_token",
}
"""The settings that once held one token for every account of a platform (`MEDIAFLOW_<NAME>`):
`mediaflow credentials import` copies each into the platform's accounts."""


@dataclass(frozen=True)
class ReadCredential:
    social_account_id: int
    platform: str
    external_account_id: str
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    scopes: frozenset[str]


def store_credential(
    bind: Bind,
    cipher: CredentialCipher,
    account_id: int,
    *,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime | None,
    scopes: Iterable[str],
) -> dict[str, Any]:
    """The account's credential, replacing any before it (and a reconnection it waited for)."""
    get_social_account(bind, account_id)
    with transaction(bind) as connection:
        connection.execute(
            delete(account_credentials).where(account_credentials.c.social_account_id == account_id)
        )
        connection.execute(
            insert(account_credentials).values(
                social_account_id=account_id,
                access_token_encrypted=cipher.encrypt(access_token),
                refresh_token_encrypted=cipher.encrypt(refresh_token) if refresh_token else None,
                expires_at=expires_at,
                scopes=sorted(set(scopes)),
                updated_at=utcnow(),
            )
        )
    return credential_state(bind, account_id)


def credential_state(bind: Bind, account_id: int) -> dict[str, Any] | None:
    """What may be shown of the account's credential: never a token."""
    with transaction(bind) as connection:
        row = connection.execute(
            select(
                account_credentials.c.expires_at,
                account_credentials.c.scopes,
                account_credentials.c.reconnect_reason,
                account_credentials.c.refreshed_at,
                account_credentials.c.updated_at,
                account_credentials.c.refresh_token_encrypted.is_not(None).label("refreshable"),
            ).where(account_credentials.c.social_account_id == account_id)
        ).first()
    return dict(row._mapping) if row else None


def read_credentials(bind: Bind, cipher: CredentialCipher) -> dict[tuple[str, str], ReadCredential]:
    """Every stored credential, decrypted, by (platform, external account id)."""
    with transaction(bind) as connection:
        rows = connection.execute(
            select(
                account_credentials,
                social_accounts.c.platform,
                social_accounts.c.external_account_id,
            ).join(social_accounts, social_accounts.c.id == account_credentials.c.social_account_id)
        ).all()
    return {
        (row.platform, row.external_account_id): ReadCredential(
            social_account_id=row.social_account_id,
            platform=row.platform,
            external_account_id=row.external_account_id,
            access_token=cipher.decrypt(row.access_token_encrypted),
            refresh_token=(
                cipher.decrypt(row.refresh_token_encrypted) if row.refresh_token_encrypted else None
            ),
            expires_at=row.expires_at,
            scopes=frozenset(row.scopes),
        )
        for row in rows
    }


def record_refresh(
    bind: Bind,
    cipher: CredentialCipher,
    account_id: int,
    *,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime | None,
) -> None:
    """A refreshed access token; the refresh token too when the platform rotated it."""
    now = utcnow()
    values: dict[str, Any] = {
        "access_token_encrypted": cipher.encrypt(access_token),
        "expires_at": expires_at,
        "reconnect_reason": None,
        "refreshed_at": now,
        "updated_at": now,
    }
    if refresh_token:
        values["refresh_token_encrypted"] = cipher.encrypt(refresh_token)
    with transaction(bind) as connection:
        connection.execute(
            update(account_credentials)
            .where(account_credentials.c.social_account_id == account_id)
            .values(**values)
        )


def mark_for_reconnection(bind: Bind, account_id: int, reason: str) -> None:
    """The credential no longer reads the account: an agent has to reconnect it."""
    with transaction(bind) as connection:
        connection.execute(
            update(account_credentials)
            .where(account_credentials.c.social_account_id == account_id)
            .values(reconnect_reason=reason, updated_at=utcnow())
        )


def accounts_to_reconnect(bind: Bind) -> list[dict[str, Any]]:
    with transaction(bind) as connection:
        rows = connection.execute(
            select(
                social_accounts.c.id,
                social_accounts.c.platform,
                social_accounts.c.name,
                account_credentials.c.reconnect_reason,
            )
            .join(social_accounts, social_accounts.c.id == account_credentials.c.social_account_id)
            .where(account_credentials.c.reconnect_reason.is_not(None))
            .order_by(social_accounts.c.id)
        )
        return [dict(row._mapping) for row in rows]


def reencrypt_credentials(bind: Bind, cipher: CredentialCipher) -> int:
    """Every stored token under the cipher's first key; how many credentials were rewritten."""
    with transaction(bind) as connection:
        rows = connection.execute(select(account_credentials)).all()
        for row in rows:
            connection.execute(
                update(account_credentials)
                .where(account_credentials.c.social_account_id == row.social_account_id)
                .values(
                    access_token_encrypted=cipher.reencrypt(row.access_token_encrypted),
                    refresh_token_encrypted=(
                        cipher.reencrypt(row.refresh_token_encrypted)
                        if row.refresh_token_encrypted
                        else None
                    ),
                )
            )
    return len(rows)


def import_platform_tokens(
    bind: Bind,
    cipher: CredentialCipher,
    tokens: dict[str, str],
    scopes: dict[str, tuple[str, ...]],
) -> list[dict[str, Any]]:
    """Each platform's one token (`tokens`, by platform) as the credential of every account of
    that platform that has none yet: a credential already entered is never overwritten. The
    accounts given one, with their platform."""
    with transaction(bind) as connection:
        without = connection.execute(
            select(social_accounts.c.id, social_accounts.c.platform)
            .where(
                social_accounts.c.platform.in_(sorted(tokens)),
                social_accounts.c.id.not_in(select(account_credentials.c.social_account_id)),
            )
            .order_by(social_accounts.c.id)
        ).all()
        now = utcnow()
        for account in without:
            connection.execute(
                insert(account_credentials).values(
                    social_account_id=account.id,
                    access_token_encrypted=cipher.encrypt(tokens[account.platform]),
                    scopes=sorted(scopes.get(account.platform, ())),
                    updated_at=now,
                )
            )
    return [{"id": account.id, "platform": account.platform} for account in without]
