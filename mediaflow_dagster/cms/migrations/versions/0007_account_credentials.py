"""Each social account's own read credential for its platform's insights API: the access token
and refresh token encrypted (Fernet, keys from `MEDIAFLOW_CREDENTIALS_KEYS`), their expiry and
scopes, and why the account must be reconnected when a read found the credential unusable.

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


def downgrade() -> None:
    op.drop_table("account_credentials")
