"""Each social account's own read credential for its platform's insights API: the access token
and refresh token encrypted (Fernet, keys from `MEDIAFLOW_CREDENTIALS_KEYS`), their expiry and
scopes, and why the account must be reconnected when a read found the credential unusable; and
when a revoked account's Make scenario and connection were released; and the last known state of
each external service as the account checks found it (what `/health/ready` reports); and the
campaigns' goals, target audience, success metrics (the thresholds alerts use) and channels, with
a version for optimistic concurrency and when a campaign was archived.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "account_credentials",
        sa.Column(
            "social_account_id",
            sa.Integer,
            sa.ForeignKey("social_accounts.id"),
            primary_key=True,
        ),
        sa.Column("access_token_encrypted", sa.Text, nullable=False),
        sa.Column("refresh_token_encrypted", sa.Text),
        sa.Column("expires_at", sa.DateTime),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("reconnect_reason", sa.Text),
        sa.Column("refreshed_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    with op.batch_alter_table("social_accounts") as batch:
        batch.add_column(sa.Column("make_released_at", sa.DateTime))
    with op.batch_alter_table("campaigns") as batch:
        for name in ("goals", "success_metrics", "channels"):
            batch.add_column(
                sa.Column(name, sa.JSON, nullable=False, server_default=sa.text("'[]'"))
            )
        batch.add_column(sa.Column("target_audience", sa.JSON))
        batch.add_column(
            sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1"))
        )
        batch.add_column(sa.Column("archived_at", sa.DateTime))
    op.create_table(
        "dependency_checks",
        sa.Column("service", sa.String(40), primary_key=True),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("checked_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dependency_checks")
    with op.batch_alter_table("campaigns") as batch:
        for name in (
            "archived_at",
            "version",
            "target_audience",
            "channels",
            "success_metrics",
            "goals",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("social_accounts") as batch:
        batch.drop_column("make_released_at")
    op.drop_table("account_credentials")
