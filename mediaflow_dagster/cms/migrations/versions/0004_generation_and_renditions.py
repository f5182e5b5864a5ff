"""Generation requests that can be followed and retried (request id, attempts, stalled objects),
and the per-platform renditions of each object's media with the facts read from their files.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("campaign_objects") as objects:
        objects.add_column(sa.Column("generation_request_id", sa.String(100)))
        objects.add_column(
            sa.Column("generation_attempts", sa.Integer, nullable=False, server_default="0")
        )
        objects.add_column(sa.Column("generation_workflow", sa.String(100)))
        objects.add_column(sa.Column("thumbnail_item_id", sa.String(200)))
    op.create_table(
        "media_renditions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("object_id", sa.Integer, sa.ForeignKey("campaign_objects.id"), nullable=False),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("content_text", sa.Text),
        sa.Column("hashtags", sa.JSON),
        sa.Column("sharepoint_drive_id", sa.String(200)),
        sa.Column("sharepoint_item_id", sa.String(200)),
        sa.Column("file_name", sa.String(200)),
        sa.Column("media_url", sa.String(1000)),
        sa.Column("media_mime_type", sa.String(100)),
        sa.Column("media_bytes", sa.BigInteger),
        sa.Column("media_sha256", sa.String(64)),
        sa.Column("media_width", sa.Integer),
        sa.Column("media_height", sa.Integer),
        sa.Column("media_duration_seconds", sa.Float),
        sa.Column("media_codec", sa.String(50)),
        sa.Column("violations", sa.JSON),
        sa.Column("generation_execution_id", sa.String(100)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("inspected_at", sa.DateTime),
        sa.UniqueConstraint("object_id", "platform"),
    )
    op.create_index("ix_media_renditions_campaign_id", "media_renditions", ["campaign_id"])


def downgrade() -> None:
    op.drop_index("ix_media_renditions_campaign_id", "media_renditions")
    op.drop_table("media_renditions")
    with op.batch_alter_table("campaign_objects") as objects:
        for column in (
            "thumbnail_item_id",
            "generation_workflow",
            "generation_attempts",
            "generation_request_id",
        ):
            objects.drop_column(column)
