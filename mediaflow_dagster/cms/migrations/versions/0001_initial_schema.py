"""The initial ops store: campaigns, social accounts, targets, objects, approvals, publications
and the callback inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("budget", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *_timestamps(),
    )
    op.create_table(
        "social_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("account_type", sa.String(20), nullable=False),
        sa.Column("external_account_id", sa.String(200), nullable=False),
        sa.Column("make_connection_id", sa.String(100), nullable=False),
        sa.Column("make_scenario_id", sa.String(100), nullable=False),
        sa.Column("make_webhook_url", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint("platform", "external_account_id"),
    )
    op.create_table(
        "campaign_targets",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column(
            "social_account_id", sa.Integer, sa.ForeignKey("social_accounts.id"), primary_key=True
        ),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "campaign_objects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("object_type", sa.String(10), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("content_text", sa.Text),
        sa.Column("hashtags", sa.JSON, nullable=False),
        sa.Column("media_url", sa.String(1000)),
        sa.Column("media_mime_type", sa.String(100)),
        sa.Column("media_bytes", sa.BigInteger),
        sa.Column("sharepoint_drive_id", sa.String(200)),
        sa.Column("sharepoint_item_id", sa.String(200)),
        sa.Column("generation_execution_id", sa.String(100)),
        sa.Column("error", sa.Text),
        sa.Column("generation_requested_at", sa.DateTime),
        sa.Column("ready_at", sa.DateTime),
        sa.Column("approved_at", sa.DateTime),
        *_timestamps(),
    )
    op.create_index("ix_campaign_objects_campaign_id", "campaign_objects", ["campaign_id"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("object_id", sa.Integer, sa.ForeignKey("campaign_objects.id"), nullable=False),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=False),
        sa.Column("approved_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("object_id", sa.Integer, sa.ForeignKey("campaign_objects.id"), nullable=False),
        sa.Column(
            "social_account_id", sa.Integer, sa.ForeignKey("social_accounts.id"), nullable=False
        ),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False, unique=True),
        sa.Column("external_post_id", sa.String(200)),
        sa.Column("external_url", sa.String(1000)),
        sa.Column("error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("requested_at", sa.DateTime),
        sa.Column("published_at", sa.DateTime),
        *_timestamps(),
        sa.UniqueConstraint("object_id", "social_account_id"),
    )
    op.create_index("ix_publications_campaign_id", "publications", ["campaign_id"])
    op.create_table(
        "callback_inbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.String(200), nullable=False, unique=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("event_type", sa.String(50), nullable=False),
        sa.Column("campaign_id", sa.Integer),
        sa.Column("subject_id", sa.Integer),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("processed_at", sa.DateTime),
    )


def downgrade() -> None:
    for table in (
        "callback_inbox",
        "publications",
        "approvals",
        "campaign_objects",
        "campaign_targets",
        "social_accounts",
        "campaigns",
    ):
        op.drop_table(table)
