"""Callbacks signed the way n8n and Make sign them (Standard Webhooks)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from standardwebhooks import Webhook

from mediaflow_dagster.settings import CallbackSecrets


def signed(
    secret: str, body: dict | bytes, *, event_id: str | None = None, age: timedelta = timedelta()
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    event_id = event_id or f"evt_{uuid.uuid4().hex}"
    moment = datetime.now(UTC) - age
    headers = {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, moment, raw.decode()),
        "content-type": "application/json",
    }
    return raw, headers


def n8n_signed(body: dict | bytes, **options):
    """`body` signed with the n8n callback secret the API of this environment verifies."""
    return signed(CallbackSecrets.load().n8n_callback_secret.get_secret_value(), body, **options)


def make_signed(body: dict | bytes, **options):
    """`body` signed with the Make callback secret the API of this environment verifies."""
    return signed(CallbackSecrets.load().make_callback_secret.get_secret_value(), body, **options)


def module_signed(module: str, body: dict | bytes, **options):
    """`body` signed with the secret of one of the restaurant's modules (recipes, crm, …)."""
    return signed(CallbackSecrets.load().verifying()[module].get_secret_value(), body, **options)
