"""Outbound webhooks: who receives which events (admins subscribe receivers and get their
signing secret once), and the deliveries, with dead letters an admin can replay."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from sqlalchemy import Connection

from mediaflow_dagster.api.context import ApiContext, context
from mediaflow_dagster.api.models import (
    IssuedWebhookSubscription,
    Page,
    WebhookDelivery,
    WebhookSubscription,
    WebhookSubscriptionIn,
)
from mediaflow_dagster.api.problems import documented, field_refused
from mediaflow_dagster.api.routes.common import Cursor, Limit, PathId, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import webhooks

router = protected_router(prefix="/api/webhooks", tags=["webhooks"])
Store = Annotated[Connection, Depends(connection)]
WebhookAdmin = require("webhooks:admin")
Api = Annotated[ApiContext, Depends(context)]


@router.post("/subscriptions", status_code=201, response_model=IssuedWebhookSubscription)
def subscribe(
    wanted: WebhookSubscriptionIn, response: Response, store: Store, admin: WebhookAdmin, api: Api
) -> dict[str, Any]:
    """A receiver for the given event types; the answer holds its signing secret, shown once."""
    if refusal := api.outbound_webhooks.address_refusal(wanted.url):
        raise field_refused("url", refusal, wanted.url)
    subscription = webhooks.subscribe(
        store,
        url=wanted.url,
        event_types=list(wanted.event_types),
        description=wanted.description,
        created_by=admin.actor,
    )
    response.headers["location"] = f"/api/webhooks/subscriptions/{subscription['id']}"
    return {**subscription, "secret": api.outbound_webhooks.secret_for(subscription["id"])}


@router.get("/subscriptions", response_model=Page[WebhookSubscription])
def list_subscriptions(
    store: Store, _: WebhookAdmin, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    items, next_cursor = webhooks.list_subscriptions(store, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/subscriptions/{subscription_id}",
    response_model=WebhookSubscription,
    responses=documented(404),
)
def get_subscription(subscription_id: PathId, store: Store, _: WebhookAdmin) -> dict[str, Any]:
    return webhooks.get_subscription(store, subscription_id)


@router.post(
    "/subscriptions/{subscription_id}/disable",
    response_model=WebhookSubscription,
    responses=documented(404),
)
def disable_subscription(
    subscription_id: PathId, store: Store, admin: WebhookAdmin
) -> dict[str, Any]:
    """Nothing more is sent to the receiver; its pending deliveries wait until it is enabled."""
    return webhooks.set_subscription_status(
        store, subscription_id, "disabled", f"disabled by {admin.actor}"
    )


@router.post(
    "/subscriptions/{subscription_id}/enable",
    response_model=WebhookSubscription,
    responses=documented(404),
)
def enable_subscription(subscription_id: PathId, store: Store, _: WebhookAdmin) -> dict[str, Any]:
    return webhooks.set_subscription_status(store, subscription_id, "active", None)


@router.get("/deliveries", response_model=Page[WebhookDelivery])
def list_deliveries(
    store: Store,
    _: WebhookAdmin,
    status: Annotated[Literal["pending", "delivered", "dead"] | None, Query()] = None,
    subscription_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Deliveries oldest first; `status=dead` lists the dead letters."""
    items, next_cursor = webhooks.list_deliveries(store, status, subscription_id, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/deliveries/{delivery_id}/replay",
    response_model=WebhookDelivery,
    responses=documented(404, 409),
)
def replay_delivery(delivery_id: PathId, store: Store, _: WebhookAdmin) -> dict[str, Any]:
    """A dead letter sent again from its first attempt, under the same `webhook-id`."""
    return webhooks.replay(store, delivery_id)
