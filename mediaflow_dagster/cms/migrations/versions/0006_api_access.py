"""Who may use the API and what they did: API keys (a public prefix and a hash, never the key),
the audit log of every change made through the API, and the single-use OAuth state an
onboarding account waits for.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("credential", sa.String(200), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    with op.batch_alter_table("social_accounts") as batch:
        batch.add_column(sa.Column("authorization_state_id", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("social_accounts") as batch:
        batch.drop_column("authorization_state_id")
    op.drop_table("audit_log")
    op.drop_table("api_keys")
