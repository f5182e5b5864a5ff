"""The signed callbacks of n8n and Make, and n8n's insight readings: the intake path.

Each delivery is verified (Standard Webhooks HMAC over the raw body and timestamp) before its body
is parsed, then stored in the inbox under its event id, once, in a transaction of its own; the
sensors act on it later. These routes take no credential but the signature, no rate limit and
none of the request transaction (a rejected delivery is kept in the inbox, by design). Whatever
speeds intake up belongs here: verification and the inbox write are all a delivery costs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.concurrency import run_in_threadpool

from mediaflow_dagster.api.bodies import InvalidJson, parse_json
from mediaflow_dagster.api.context import ApiContext
from mediaflow_dagster.api.models import (
    EVENT_TAGS,
    MAKE_EVENTS,
    N8N_EVENTS,
    CallbackAnswer,
    InsightsAnswer,
    InsightsCollected,
)
from mediaflow_dagster.api.problems import documented, invalid, problem
from mediaflow_dagster.api.routes.common import ANY_REQUEST
from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.generation import claim_content_callback
from mediaflow_dagster.cms.inbox import store_callback
from mediaflow_dagster.cms.insights import KeptReadings, keep_readings
from mediaflow_dagster.cms.publishing import claim_callback_token, get_publication
from mediaflow_dagster.cms.schema import callback_inbox

Subject = tuple[int, int, Callable[[Connection], None] | None]
EVENT_ID_LENGTH = callback_inbox.c.event_id.type.length
SIGNATURE_HEADERS = [
    {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
]
CALLBACK_PROBLEMS = documented(*ANY_REQUEST, 401, 404, 409)

router = APIRouter(tags=["callbacks"])


class Refused(Exception):
    """A delivery answered with a problem before anything is stored."""

    def __init__(self, response: JSONResponse) -> None:
        self.response = response


async def _verified(request: Request, source: str) -> tuple[bytes, str]:
    """The raw body and event id of a delivery whose signature holds; otherwise `Refused`."""
    api: ApiContext = request.app.state.context
    raw = await request.body()
    try:
        api.verifiers[source].verify(raw, dict(request.headers), json_parse=False)
    except (WebhookVerificationError, ValueError) as error:
        raise Refused(problem(401, f"signature rejected: {error}")) from error
    event_id = request.headers["webhook-id"]
    if len(event_id) > EVENT_ID_LENGTH:
        raise Refused(
            invalid(
                [
                    {
                        "type": "string_too_long",
                        "loc": ("header", "webhook-id"),
                        "msg": f"longer than {EVENT_ID_LENGTH} characters",
                    }
                ]
            )
        )
    return raw, event_id


def _parsed(raw: bytes, schema: TypeAdapter) -> Any:
    try:
        return schema.validate_python(parse_json(raw))
    except InvalidJson as error:
        raise Refused(
            invalid([{"type": "json_invalid", "loc": ("body",), "ctx": {"error": error.msg}}])
        ) from error
    except ValidationError as error:
        errors = [{**entry, "loc": ("body", *entry["loc"])} for entry in error.errors()]
        raise Refused(invalid(errors, EVENT_TAGS)) from error


def _callback_route(source: str, events: TypeAdapter, subject: Callable[..., Subject]):
    async def endpoint(request: Request) -> Any:
        try:
            raw, event_id = await _verified(request, source)
            event = _parsed(raw, events)
        except Refused as refused:
            return refused.response
        engine = request.app.state.context.engine
        try:
            campaign_id, subject_id, claim = await run_in_threadpool(subject, engine, event)
            refusal = None
        except NotFound as error:
            campaign_id, subject_id, claim, refusal = None, None, None, error
        stored = await run_in_threadpool(
            partial(
                store_callback,
                engine,
                event_id=event_id,
                source=source,
                event_type=event.type,
                payload=event.model_dump(mode="json"),
                campaign_id=campaign_id,
                subject_id=subject_id,
                rejection=str(refusal) if refusal else None,
                claim=claim,
            )
        )
        if refusal:
            return problem(404, str(refusal), event_id=event_id, stored=stored)
        if not stored:
            return JSONResponse({"status": "duplicate", "event_id": event_id})
        return JSONResponse({"status": "accepted", "event_id": event_id}, status_code=202)

    return endpoint


def content_subject(engine: Any, event: Any) -> Subject:
    """The object the callback is about; refused (nothing stored) unless the object waits for
    content from this very request."""
    campaign_id = cms.get_object(engine, event.object_id)["campaign_id"]
    claim = partial(claim_content_callback, object_id=event.object_id, request_id=event.request_id)
    return campaign_id, event.object_id, claim


def publication_subject(engine: Any, event: Any) -> Subject:
    """The publication the callback is about; refused (nothing stored) when its idempotency key
    differs, its account is not active, or its single-use token is wrong or spent."""
    publication = get_publication(engine, event.publication_id)
    if publication["idempotency_key"] != event.idempotency_key:
        raise Conflict(
            f"publication {event.publication_id} has another idempotency key than "
            f"{event.idempotency_key!r}"
        )
    if publication["account_status"] != "active":
        raise Conflict(
            f"the account of publication {event.publication_id} is "
            f"{publication['account_status']}: reconnect it before it takes callbacks"
        )
    claim = partial(claim_callback_token, publication=publication, token=event.callback_token)
    return publication["campaign_id"], event.publication_id, claim


INSIGHTS = TypeAdapter(InsightsCollected)
SCHEMAS: dict[str, Any] = {}
"""The models of the callbacks' bodies, for the OpenAPI document's components: the routes read
their raw body (to verify it) rather than let FastAPI parse it."""


def _documented(events: TypeAdapter, answer: type) -> dict[str, Any]:
    schema = events.json_schema(ref_template="#/components/schemas/{model}")
    SCHEMAS.update(schema.pop("$defs", {}))
    return {
        "response_model": answer,
        "status_code": 202,
        "responses": {200: {"model": answer, "description": "A duplicate"}, **CALLBACK_PROBLEMS},
        "openapi_extra": {
            "parameters": SIGNATURE_HEADERS,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": schema}},
            },
        },
    }


router.add_api_route(
    "/callbacks/n8n",
    _callback_route("n8n", N8N_EVENTS, content_subject),
    methods=["POST"],
    summary="An n8n content callback",
    **_documented(N8N_EVENTS, CallbackAnswer),
)
router.add_api_route(
    "/callbacks/make",
    _callback_route("make", MAKE_EVENTS, publication_subject),
    methods=["POST"],
    summary="A Make publication callback",
    **_documented(MAKE_EVENTS, CallbackAnswer),
)


async def take_insights(request: Request) -> Any:
    """A signed batch of insight readings from n8n, kept in the inbox whole and its readings of
    known posts stored for the next collection run to land; a resent batch changes nothing."""
    try:
        raw, event_id = await _verified(request, "n8n")
        batch = _parsed(raw, INSIGHTS)
    except Refused as refused:
        return refused.response
    readings = [reading.model_dump() for reading in batch.readings]
    kept: list[KeptReadings] = []

    def keep(connection: Connection) -> None:
        kept.append(keep_readings(connection, event_id, readings))

    stored = await run_in_threadpool(
        partial(
            store_callback,
            request.app.state.context.engine,
            event_id=event_id,
            source="n8n_insights",
            event_type=batch.type,
            payload=batch.model_dump(mode="json"),
            campaign_id=None,
            subject_id=None,
            claim=keep,
        )
    )
    if not stored:
        return JSONResponse({"status": "duplicate", "event_id": event_id})
    outcome = {
        "event_id": event_id,
        "stored": kept[0].stored,
        "duplicates": kept[0].duplicates,
        "unknown_posts": kept[0].unknown_posts,
    }
    if not kept[0].stored and not kept[0].duplicates:
        return problem(404, "no reading is of a post mediaflow published", **outcome)
    return JSONResponse({"status": "accepted", **outcome}, status_code=202)


router.add_api_route(
    "/api/analytics",
    take_insights,
    methods=["POST"],
    summary="A batch of insight readings from n8n",
    **_documented(INSIGHTS, InsightsAnswer),
)
