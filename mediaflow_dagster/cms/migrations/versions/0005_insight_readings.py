"""Insight readings an n8n workflow posts to `/api/analytics`, kept until a collection run lands
them in the warehouse.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "insight_readings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.String(200), nullable=False),
        sa.Column("publication_id", sa.Integer, sa.ForeignKey("publications.id"), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("external_post_id", sa.String(200), nullable=False),
        sa.Column("metric", sa.String(100), nullable=False),
        sa.Column("value", sa.BigInteger),
        sa.Column("collected_at", sa.DateTime, nullable=False),
        sa.Column("api_version", sa.String(20)),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("landed_run_id", sa.String(64)),
        sa.UniqueConstraint("publication_id", "metric", "collected_at"),
    )
    op.create_index(
        "ix_insight_readings_unlanded",
        "insight_readings",
        ["landed_run_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_insight_readings_unlanded", "insight_readings")
    op.drop_table("insight_readings")
