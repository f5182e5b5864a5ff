"""Social accounts: registered directly, or onboarded through Make (a connection the agent
authorizes, then a webhook and a scenario made from the platform's blueprint), and kept current
(active, expired, revoked, error) by testing their connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, insert, or_, select, update

from mediaflow_dagster.cms.database import Bind, page, transaction, utcnow
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.schema import campaign_targets, social_accounts

ACCOUNT_STATUSES = ("pending", "active", "expired", "revoked", "error")


def create_social_account(
    bind: Bind,
    *,
    platform: str,
    name: str,
    account_type: str,
    external_account_id: str,
    make_connection_id: str | None,
    make_scenario_id: str | None = None,
    make_webhook_url: str | None = None,
    status: str = "active",
) -> dict[str, Any]:
    """Register an account; `pending` ones wait for the agent to authorize their connection."""
    now = utcnow()
    with transaction(bind) as connection:
        existing = connection.execute(
            select(social_accounts.c.id).where(
                social_accounts.c.platform == platform,
                social_accounts.c.external_account_id == external_account_id,
            )
        ).first()
        if existing:
            raise Conflict(
                f"{platform} account {external_account_id!r} is already registered "
                f"as social account {existing.id}"
            )
        account_id = connection.execute(
            insert(social_accounts).values(
                platform=platform,
                name=name,
                account_type=account_type,
                external_account_id=external_account_id,
                make_connection_id=make_connection_id,
                make_scenario_id=make_scenario_id,
                make_webhook_url=make_webhook_url,
                status=status,
                authorized_at=now if status == "active" else None,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
    return get_social_account(bind, account_id)


def get_social_account(bind: Bind, account_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(
            select(social_accounts).where(social_accounts.c.id == account_id)
        ).first()
    if row is None:
        raise NotFound(f"social account {account_id} does not exist")
    return dict(row._mapping)


def list_social_accounts(bind: Bind) -> list[dict[str, Any]]:
    with transaction(bind) as connection:
        rows = connection.execute(select(social_accounts).order_by(social_accounts.c.id))
        return [dict(row._mapping) for row in rows]


def social_accounts_page(
    bind: Bind, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    return page(bind, select(social_accounts), social_accounts.c.id, after, limit)


def await_authorization(bind: Bind, account_id: int, state_id: str) -> None:
    """The account's agent is sent to authorize its connection under the state `state_id`: only
    that state's landing counts (an earlier one sent for the account no longer does)."""
    with transaction(bind) as connection:
        connection.execute(
            update(social_accounts)
            .where(social_accounts.c.id == account_id)
            .values(authorization_state_id=state_id, updated_at=utcnow())
        )


def finish_authorization(bind: Bind, account_id: int, state_id: str) -> bool:
    """The agent came back from granting access under the state the account waits for: onboarding
    can finish. False (nothing changes) when the account waits for no such state, or no longer."""
    with transaction(bind) as connection:
        updated = connection.execute(
            update(social_accounts)
            .where(
                social_accounts.c.id == account_id,
                social_accounts.c.authorization_state_id == state_id,
            )
            .values(authorization_state_id=None, authorized_at=utcnow(), updated_at=utcnow())
        )
    return updated.rowcount == 1


def accounts_awaiting_setup(bind: Bind) -> list[dict[str, Any]]:
    """Authorized accounts whose webhook and scenario are not made yet."""
    with transaction(bind) as connection:
        rows = connection.execute(
            select(social_accounts)
            .where(
                social_accounts.c.status == "pending",
                social_accounts.c.authorized_at.is_not(None),
            )
            .order_by(social_accounts.c.id)
        )
        return [dict(row._mapping) for row in rows]


def record_hook(bind: Bind, account_id: int, hook_id: str, webhook_url: str) -> None:
    """Keep the account's webhook the moment Make made it, so a retry never makes a second."""
    with transaction(bind) as connection:
        connection.execute(
            update(social_accounts)
            .where(social_accounts.c.id == account_id)
            .values(make_hook_id=hook_id, make_webhook_url=webhook_url, updated_at=utcnow())
        )


def finish_setup(bind: Bind, account_id: int, scenario_id: str) -> None:
    now = utcnow()
    with transaction(bind) as connection:
        connection.execute(
            update(social_accounts)
            .where(social_accounts.c.id == account_id)
            .values(
                make_scenario_id=scenario_id,
                status="active",
                status_reason=None,
                status_checked_at=now,
                updated_at=now,
            )
        )


def accounts_to_check(bind: Bind) -> list[dict[str, Any]]:
    """Set-up accounts whose connection may have changed: active, expired or in error, and
    revoked ones an agent has authorized again since."""
    with transaction(bind) as connection:
        rows = connection.execute(
            select(social_accounts)
            .where(
                or_(
                    social_accounts.c.status.in_(["active", "expired", "error"]),
                    and_(
                        social_accounts.c.status == "revoked",
                        social_accounts.c.authorized_at > social_accounts.c.status_checked_at,
                    ),
                ),
                social_accounts.c.make_connection_id.is_not(None),
            )
            .order_by(social_accounts.c.id)
        )
        return [dict(row._mapping) for row in rows]


def record_check(bind: Bind, account_id: int, status: str, reason: str | None) -> None:
    now = utcnow()
    with transaction(bind) as connection:
        connection.execute(
            update(social_accounts)
            .where(social_accounts.c.id == account_id)
            .values(status=status, status_reason=reason, status_checked_at=now, updated_at=now)
        )


def revoke_account(bind: Bind, account_id: int) -> dict[str, Any]:
    """The agent withdrew the account from mediaflow: nothing is published to it anywhere."""
    get_social_account(bind, account_id)
    record_check(bind, account_id, "revoked", "revoked by an agent")
    return get_social_account(bind, account_id)


def accounts_to_release(bind: Bind) -> list[dict[str, Any]]:
    """Revoked accounts whose Make scenario and connection are not released yet."""
    with transaction(bind) as connection:
        rows = connection.execute(
            select(social_accounts)
            .where(
                social_accounts.c.status == "revoked",
                social_accounts.c.make_released_at.is_(None),
                or_(
                    social_accounts.c.make_connection_id.is_not(None),
                    social_accounts.c.make_scenario_id.is_not(None),
                ),
            )
            .order_by(social_accounts.c.id)
        )
        return [dict(row._mapping) for row in rows]


def record_release(bind: Bind, account_id: int) -> None:
    """Make switched the account's scenario off and deleted its connection."""
    now = utcnow()
    with transaction(bind) as connection:
        connection.execute(
            update(social_accounts)
            .where(social_accounts.c.id == account_id)
            .values(make_released_at=now, updated_at=now)
        )


def restart_onboarding(bind: Bind, account_id: int, connection_id: str) -> dict[str, Any]:
    """A released account reconnects through a new Make connection: it waits for the agent's
    authorization, then gets a new webhook and scenario (the old webhook stays with the old,
    switched-off scenario); its id and history stay."""
    with transaction(bind) as connection:
        connection.execute(
            update(social_accounts)
            .where(social_accounts.c.id == account_id)
            .values(
                status="pending",
                status_reason=None,
                make_connection_id=connection_id,
                make_scenario_id=None,
                make_hook_id=None,
                make_released_at=None,
                authorized_at=None,
                updated_at=utcnow(),
            )
        )
    return get_social_account(bind, account_id)


def begin_reconnect(bind: Bind, account_id: int) -> dict[str, Any]:
    """An expired or errored account goes through OAuth again; its id and history stay."""
    account = get_social_account(bind, account_id)
    if account["status"] not in ("expired", "error", "active", "revoked"):
        raise Conflict(f"social account {account_id} is {account['status']}; it cannot reconnect")
    return account


def add_target(bind: Bind, campaign_id: int, account_id: int) -> None:
    """Have the campaign publish to the account (again, after a revocation)."""
    get_social_account(bind, account_id)
    now = utcnow()
    with transaction(bind) as connection:
        reactivated = connection.execute(
            update(campaign_targets)
            .where(
                campaign_targets.c.campaign_id == campaign_id,
                campaign_targets.c.social_account_id == account_id,
            )
            .values(is_active=True, revoked_at=None)
        )
        if reactivated.rowcount == 0:
            connection.execute(
                insert(campaign_targets).values(
                    campaign_id=campaign_id,
                    social_account_id=account_id,
                    is_active=True,
                    created_at=now,
                )
            )


def revoke_target(bind: Bind, campaign_id: int, account_id: int) -> None:
    """Stop one campaign publishing to one account; other campaigns keep it."""
    with transaction(bind) as connection:
        updated = connection.execute(
            update(campaign_targets)
            .where(
                campaign_targets.c.campaign_id == campaign_id,
                campaign_targets.c.social_account_id == account_id,
                campaign_targets.c.is_active.is_(True),
            )
            .values(is_active=False, revoked_at=utcnow())
        )
    if updated.rowcount == 0:
        raise NotFound(f"campaign {campaign_id} does not target social account {account_id}")


def targeted_platforms(bind: Bind, campaign_id: int) -> list[str]:
    """The platforms of the accounts the campaign publishes to now."""
    query = (
        select(social_accounts.c.platform)
        .distinct()
        .join(campaign_targets, campaign_targets.c.social_account_id == social_accounts.c.id)
        .where(campaign_targets.c.campaign_id == campaign_id, campaign_targets.c.is_active)
    )
    with transaction(bind) as connection:
        return sorted(connection.scalars(query))
