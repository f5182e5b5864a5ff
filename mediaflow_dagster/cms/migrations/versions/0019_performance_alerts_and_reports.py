"""Campaign automation: performance thresholds set on a campaign and the alerts raised when a
build of the marts crosses one (once per crossing), the campaign reports built from the marts
(one row per campaign, cadence and period), and the two email templates their owners get.

Revision ID: 0019
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"

SEEDED_AT = datetime(2026, 12, 4)
PERFORMANCE_ALERT_TEMPLATE = {
    "name": "performance_alert",
    "language": "en",
    "purpose": "transactional",
    "subject": "mediaflow: {{campaign_name}}: {{metric}} {{direction}} {{threshold}}",
    "html_body": "<p>Campaign <strong>{{campaign_name}}</strong> ({{campaign_id}}): "
    "<code>{{metric}}</code> is {{observed}}, {{direction}} the threshold {{threshold}} "
    "set on it (marts built with data up to {{data_as_of}}).</p>"
    "<p>You will hear of it again only after it recovers and crosses again.</p>",
    "text_body": "Campaign {{campaign_name}} ({{campaign_id}}): {{metric}} is {{observed}}, "
    "{{direction}} the threshold {{threshold}} set on it (marts built with data up to "
    "{{data_as_of}}).\n\nYou will hear of it again only after it recovers and crosses again.\n",
    "sms_body": None,
}
CAMPAIGN_REPORT_TEMPLATE = {
    "name": "campaign_report",
    "language": "en",
    "purpose": "transactional",
    "subject": "mediaflow: {{campaign_name}}: {{cadence}} report, "
    "{{period_start}} to {{period_end}}",
    "html_body": "<p>The {{cadence}} report of <strong>{{campaign_name}}</strong> for "
    "{{period_start}} to {{period_end}} is ready.</p>"
    "<ul><li>Impressions: {{impressions}}</li><li>Engagements: {{engagements}}</li>"
    "<li>Engagement rate: {{engagement_rate}}</li><li>Spend: {{spend}} {{currency}}</li></ul>"
    '<p><a href="{{html_url}}">Open the report</a> or '
    '<a href="{{pdf_url}}">download its PDF</a>.</p>',
    "text_body": "The {{cadence}} report of {{campaign_name}} for {{period_start}} to "
    "{{period_end}} is ready.\n\n- Impressions: {{impressions}}\n- Engagements: {{engagements}}\n"
    "- Engagement rate: {{engagement_rate}}\n- Spend: {{spend}} {{currency}}\n\n"
    "Report: {{html_url}}\nPDF: {{pdf_url}}\n",
    "sms_body": None,
}
TEMPLATE_COLUMNS = (
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


def upgrade() -> None:
    op.create_table(
        "performance_thresholds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("value", sa.Numeric(18, 6), nullable=False),
        sa.Column("after_hours", sa.Integer, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("evaluated_at", sa.DateTime),
        sa.UniqueConstraint("campaign_id", "metric", "direction"),
    )
    op.create_table(
        "performance_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "threshold_id",
            sa.Integer,
            sa.ForeignKey("performance_thresholds.id"),
        ),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("threshold", sa.Numeric(18, 6), nullable=False),
        sa.Column("observed", sa.Float, nullable=False),
        sa.Column("data_as_of", sa.DateTime),
        sa.Column("notification_request_id", sa.Integer, sa.ForeignKey("notification_requests.id")),
        sa.Column("webhook_deliveries", sa.Integer, nullable=False),
        sa.Column("crossed_at", sa.DateTime, nullable=False),
        sa.Column("recovered_at", sa.DateTime),
    )
    op.create_index("ix_performance_alerts_threshold_id", "performance_alerts", ["threshold_id"])
    op.create_table(
        "campaign_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("cadence", sa.String(10), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("html_path", sa.String(500), nullable=False),
        sa.Column("pdf_path", sa.String(500), nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("notification_request_id", sa.Integer, sa.ForeignKey("notification_requests.id")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("campaign_id", "cadence", "period_start"),
    )
    op.bulk_insert(
        sa.table("notification_templates", *(sa.column(name) for name in TEMPLATE_COLUMNS)),
        [
            {**template, "version": 1, "created_by": "seed", "created_at": SEEDED_AT}
            for template in (PERFORMANCE_ALERT_TEMPLATE, CAMPAIGN_REPORT_TEMPLATE)
        ],
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM notification_templates WHERE name IN ('performance_alert', 'campaign_report')"
    )
    op.drop_table("campaign_reports")
    op.drop_index("ix_performance_alerts_threshold_id", "performance_alerts")
    op.drop_table("performance_alerts")
    op.drop_table("performance_thresholds")
