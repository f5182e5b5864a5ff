"""Notifications to customers: contacts (personal fields encrypted, a pseudonym for the
warehouse, blind indexes to find an address), consent per channel and purpose, the suppression
list, CSV imports, Handlebars templates, notification requests and their messages with what
happened to each, and the trace of every erasure.

Revision ID: 0009
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"

SEEDED_AT = datetime(2026, 1, 1)
MENU_HTML = (
    "<ul>{{#each menu_items}}<li><strong>{{name}}</strong> {{price}} €"
    "{{#if description}}<br>{{description}}{{/if}}</li>{{/each}}</ul>"
)
MENU_TEXT = "{{#each menu_items}}- {{name}}: {{price}} €\n{{/each}}"
SEED_TEMPLATES = [
    {
        "name": "opt_in_confirmation",
        "language": "fr",
        "purpose": "transactional",
        "subject": "Confirmez votre inscription",
        "html_body": "<p>Bonjour {{customer.first_name}},</p><p>Pour recevoir nos offres, "
        '<a href="{{confirm_url}}">confirmez votre inscription</a>.</p>',
        "text_body": "Bonjour {{customer.first_name}},\n\nPour recevoir nos offres, confirmez "
        "votre inscription : {{confirm_url}}\n",
        "sms_body": "Confirmez votre inscription : {{confirm_url}}",
    },
    {
        "name": "opt_in_confirmation",
        "language": "en",
        "purpose": "transactional",
        "subject": "Please confirm your subscription",
        "html_body": "<p>Hello {{customer.first_name}},</p><p>To receive our offers, "
        '<a href="{{confirm_url}}">confirm your subscription</a>.</p>',
        "text_body": "Hello {{customer.first_name}},\n\nTo receive our offers, confirm your "
        "subscription: {{confirm_url}}\n",
        "sms_body": "Confirm your subscription: {{confirm_url}}",
    },
    {
        "name": "promotional_email",
        "language": "fr",
        "purpose": "marketing",
        "subject": "{{customer.first_name}}, {{offer.title}}",
        "html_body": "<p>Bonjour {{customer.first_name}},</p><p>{{offer.description}}</p>"
        "<p><a href=\"{{offer.url}}\">Profiter de l'offre</a> jusqu'au {{offer.valid_until}}.</p>",
        "text_body": "Bonjour {{customer.first_name}},\n\n{{offer.description}}\n"
        "Profitez-en jusqu'au {{offer.valid_until}} : {{offer.url}}\n",
        "sms_body": "{{offer.title}} jusqu'au {{offer.valid_until}} : {{offer.url}}",
    },
    {
        "name": "promotional_email",
        "language": "en",
        "purpose": "marketing",
        "subject": "{{customer.first_name}}, {{offer.title}}",
        "html_body": "<p>Hello {{customer.first_name}},</p><p>{{offer.description}}</p>"
        '<p><a href="{{offer.url}}">Get the offer</a> until {{offer.valid_until}}.</p>',
        "text_body": "Hello {{customer.first_name}},\n\n{{offer.description}}\n"
        "Until {{offer.valid_until}}: {{offer.url}}\n",
        "sms_body": "{{offer.title}} until {{offer.valid_until}}: {{offer.url}}",
    },
    {
        "name": "menu_update",
        "language": "fr",
        "purpose": "marketing",
        "subject": "Le nouveau menu, {{customer.first_name}}",
        "html_body": "<p>Bonjour {{customer.first_name}}, voici notre menu :</p>" + MENU_HTML,
        "text_body": "Bonjour {{customer.first_name}}, voici notre menu :\n" + MENU_TEXT,
        "sms_body": "Nouveau menu : {{#each menu_items}}{{name}} {{price}} €; {{/each}}",
    },
    {
        "name": "menu_update",
        "language": "en",
        "purpose": "marketing",
        "subject": "Our new menu, {{customer.first_name}}",
        "html_body": "<p>Hello {{customer.first_name}}, here is our menu:</p>" + MENU_HTML,
        "text_body": "Hello {{customer.first_name}}, here is our menu:\n" + MENU_TEXT,
        "sms_body": "New menu: {{#each menu_items}}{{name}} {{price}} €; {{/each}}",
    },
]


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pseudonym", sa.String(64), nullable=False, unique=True),
        sa.Column("first_name", sa.Text),
        sa.Column("last_name", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("email_index", sa.String(64), unique=True),
        sa.Column("phone_index", sa.String(64), unique=True),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "contact_consents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contact_id", sa.Integer, sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("wording_version", sa.String(50), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("confirmed_at", sa.DateTime),
        sa.Column("withdrawn_at", sa.DateTime),
        sa.Column("withdrawal_source", sa.String(100)),
        sa.UniqueConstraint("contact_id", "channel", "purpose"),
    )
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address_index", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("channel", "address_index"),
    )
    op.create_table(
        "contact_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("content", sa.Text),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("wording_version", sa.String(50), nullable=False),
        sa.Column("total_lines", sa.Integer, nullable=False),
        sa.Column("processed_lines", sa.Integer, nullable=False),
        sa.Column("imported", sa.Integer, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
    )
    op.create_table(
        "notification_templates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("html_body", sa.Text, nullable=False),
        sa.Column("text_body", sa.Text, nullable=False),
        sa.Column("sms_body", sa.Text),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("name", "language", "version"),
    )
    op.create_table(
        "notification_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("template_name", sa.String(100), nullable=False),
        sa.Column("audience", sa.JSON, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("channels", sa.JSON, nullable=False),
        sa.Column("send_at", sa.DateTime),
        sa.Column("best_hour", sa.Boolean, nullable=False),
        sa.Column("all_channels", sa.Boolean, nullable=False),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id")),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("planned_at", sa.DateTime),
    )
    op.create_table(
        "notification_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("notification_requests.id")),
        sa.Column("contact_id", sa.Integer, sa.ForeignKey("contacts.id")),
        sa.Column("contact_pseudonym", sa.String(64)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("template_id", sa.Integer, sa.ForeignKey("notification_templates.id")),
        sa.Column("template_version", sa.Integer),
        sa.Column("campaign_id", sa.Integer),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("provider_message_id", sa.String(200), unique=True),
        sa.Column("segments", sa.Integer),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("send_after", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("delivered_at", sa.DateTime),
        sa.Column("opened_at", sa.DateTime),
        sa.Column("clicked_at", sa.DateTime),
        sa.Column("unsubscribed_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("request_id", "contact_id", "channel"),
    )
    op.create_index(
        "ix_notification_messages_status", "notification_messages", ["status", "send_after"]
    )
    op.create_table(
        "message_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.String(200), nullable=False, unique=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("notification_messages.id")),
        sa.Column("event_type", sa.String(30), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contact_id", sa.Integer, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("stores", sa.JSON, nullable=False),
        sa.Column("finished_at", sa.DateTime),
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
        [
            {**template, "version": 1, "created_by": "seed", "created_at": SEEDED_AT}
            for template in SEED_TEMPLATES
        ],
    )


def downgrade() -> None:
    for table in (
        "erasures",
        "message_events",
        "notification_messages",
        "notification_requests",
        "notification_templates",
        "contact_imports",
        "suppressions",
        "contact_consents",
        "contacts",
    ):
        op.drop_table(table)
