"""Campaign automation: the platforms a published object is for, a campaign's phases (teaser,
launch, follow-up) with the actions each takes when it starts and ends, the automation rules
that turn the other modules' events into actions (the four defaults seeded), and what each rule
did with each event, once.

Revision ID: 0018
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"

DEFAULT_RULES = [
    {
        "name": "plat_du_jour",
        "description": "A featured recipe becomes the plat du jour post on Facebook and "
        "Instagram; name the campaign it is published in to enable it.",
        "event_type": "recipe.featured",
        "action": "post",
        "config": {
            "campaign_id": None,
            "platforms": ["facebook", "instagram"],
            "hashtags": ["PlatDuJour", "LeVieuxMoulin"],
        },
        "enabled": False,
    },
    {
        "name": "promotion_notification",
        "description": "A new promotion is sent to the contacts of its segment.",
        "event_type": "promotion.created",
        "action": "notify",
        "config": {
            "template": "promotional_email",
            "channels": ["email"],
            "offer_url": "https://www.levieuxmoulin.example/promotions",
        },
        "enabled": True,
    },
    {
        "name": "stock_low_pause",
        "description": "An item below its stock threshold pauses the promotion it is for.",
        "event_type": "stock.low",
        "action": "pause",
        "config": {"campaigns_by_item": {}},
        "enabled": True,
    },
    {
        "name": "slow_moving_discoveries",
        "description": "Slow-moving dishes get the Promotion Spéciale - Découvertes campaign.",
        "event_type": "sales.slow_moving",
        "action": "create_campaign",
        "config": {
            "name": "Promotion Spéciale - Découvertes",
            "discount_percent": 20,
            "starts_after_days": 1,
            "duration_days": 14,
            "budget": "0.00",
            "currency": "EUR",
            "social_account_ids": [],
        },
        "enabled": True,
    },
]


def upgrade() -> None:
    op.create_table(
        "object_platforms",
        sa.Column("object_id", sa.Integer, sa.ForeignKey("campaign_objects.id"), primary_key=True),
        sa.Column("platform", sa.String(20), primary_key=True),
    )
    op.create_table(
        "campaign_phases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False, index=True
        ),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("actions", sa.JSON, nullable=False),
        sa.Column("started_at", sa.DateTime),
        sa.Column("ended_at", sa.DateTime),
        sa.Column("outcome", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("campaign_id", "phase"),
    )
    rules = op.create_table(
        "automation_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("description", sa.Text),
        sa.Column("event_type", sa.String(50), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("enabled_at", sa.DateTime),
        sa.Column("checked_through", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "automation_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("inbox_id", sa.Integer, sa.ForeignKey("callback_inbox.id"), nullable=False),
        sa.Column("rule_id", sa.Integer, nullable=False),
        sa.Column("rule_name", sa.String(100), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("acted_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("inbox_id", "rule_id"),
    )
    seeded_at = datetime.now(UTC).replace(tzinfo=None)  # the rules act on events from now on
    op.bulk_insert(
        rules,
        [
            {
                **rule,
                "enabled_at": seeded_at if rule["enabled"] else None,
                "checked_through": 0,
                "version": 1,
                "updated_by": "seed",
                "created_at": seeded_at,
                "updated_at": seeded_at,
            }
            for rule in DEFAULT_RULES
        ],
    )


def downgrade() -> None:
    for table in ("automation_actions", "automation_rules", "campaign_phases", "object_platforms"):
        op.drop_table(table)
