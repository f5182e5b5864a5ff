"""Failed runs noticed by the `run_failures` sensor, once per run id (the `run_failed` event and
its email are written with the row, so a second look at the same run adds nothing), and the
`run_failed` email template the notice is sent with.

Revision ID: 0017
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"

SEEDED_AT = datetime(2026, 12, 1)
RUN_FAILED_TEMPLATE = {
    "name": "run_failed",
    "language": "en",
    "purpose": "transactional",
    "subject": "mediaflow: {{job}} failed{{#if campaign_id}} (campaign {{campaign_id}}){{/if}}",
    "html_body": "<p>The run {{run_id}} of <strong>{{job}}</strong> failed"
    "{{#if campaign_id}} for campaign {{campaign_id}}{{/if}}.</p>"
    "<ul>{{#each steps}}<li><code>{{step}}</code>: {{error_class}}: {{error}}</li>{{/each}}</ul>"
    '<p><a href="{{run_url}}">Open the run in Dagster</a></p>',
    "text_body": "The run {{run_id}} of {{job}} failed"
    "{{#if campaign_id}} for campaign {{campaign_id}}{{/if}}.\n\n"
    "{{#each steps}}- {{step}}: {{error_class}}: {{error}}\n{{/each}}\n"
    "Open the run in Dagster: {{run_url}}\n",
    "sms_body": None,
}


def upgrade() -> None:
    op.create_table(
        "run_failures",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("job_name", sa.String(200), nullable=False),
        sa.Column("campaign_id", sa.Integer),
        sa.Column("steps", sa.JSON, nullable=False),
        sa.Column("notification_request_id", sa.Integer, sa.ForeignKey("notification_requests.id")),
        sa.Column("webhook_deliveries", sa.Integer, nullable=False),
        sa.Column("failed_at", sa.DateTime, nullable=False),
        sa.Column("noticed_at", sa.DateTime, nullable=False),
    )
    op.bulk_insert(
        sa.table(
            "notification_templates",
            *(
                sa.column(name)
                for name in (
                    "name",
                    "language",
                    "version",
                    "purpose",
                    "subject",
                    "html_body",
                    "text_body",
                    "sms_body",
                    "created_by",
                    "created_at",
                )
            ),
        ),
        [{**RUN_FAILED_TEMPLATE, "version": 1, "created_by": "seed", "created_at": SEEDED_AT}],
    )


def downgrade() -> None:
    op.execute("DELETE FROM notification_templates WHERE name = 'run_failed'")
    op.drop_table("run_failures")
