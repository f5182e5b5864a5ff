"""The signed callbacks of n8n and Make, and n8n's insight readings: the intake path.

Each delivery is verified (Standard Webhooks HMAC over the raw body and timestamp) before its body
is parsed, then kept in the inbox under its event id by the group commit, in one transaction with
the deliveries that arrived with it, and answered once that transaction committed; the sensors
act on it later (`cms/intake.py` says what each source's callbacks must hold).

These routes take no credential but the signature, no rate limit and none of the request
transaction, and they need nothing of FastAPI's routing, dependency injection or response models:
Make and n8n send bursts, and a delivery should cost its verification, its parsing and its share
of a batch. So `CallbackIntake` serves them as plain ASGI, inside the middleware every request
passes (CORS, foreign-origin writes, the body's size and time limits) and before FastAPI's
router. `openapi_paths` describes them in the API's OpenAPI document.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mediaflow_dagster.api.bodies import InvalidJson, parse_json
from mediaflow_dagster.api.group_commit import GroupCommit
from mediaflow_dagster.api.models import (
    EVENT_TAGS,
    MAKE_EVENTS,
    N8N_EVENTS,
    CallbackAnswer,
    InsightsAnswer,
    InsightsCollected,
)
from mediaflow_dagster.api.module_events import (
    MODULE_EVENT_TAGS,
    MODULE_EVENTS,
    MODULES,
    event_type_refusal,
    inbox_event_id,
)
from mediaflow_dagster.api.problems import PROBLEM_JSON, field_problems, invalid, problem
from mediaflow_dagster.cms.intake import Delivery, Stored
from mediaflow_dagster.cms.schema import callback_inbox

EVENT_ID_LENGTH = callback_inbox.c.event_id.type.length - len("accounting:")
MODULES_SIGNER = "modules"
INSIGHTS = TypeAdapter(InsightsCollected)
log = logging.getLogger("mediaflow.api")


class Refused(Exception):
    """A delivery answered with a problem before anything is stored; `reason` says why, for
    the log (never the body)."""

    def __init__(self, response: Response, reason: str = "") -> None:
        self.response = response
        self.reason = reason


def _content(event_id: str, event: Any, _signer: str) -> Delivery:
    return Delivery(
        event_id,
        "n8n",
        event.type,
        event.model_dump(mode="json"),
        subject_id=event.object_id,
        claim=(event.request_id,),
    )


def _publication(event_id: str, event: Any, _signer: str) -> Delivery:
    return Delivery(
        event_id,
        "make",
        event.type,
        event.model_dump(mode="json"),
        subject_id=event.publication_id,
        claim=(event.idempotency_key, event.callback_token),
    )


def _insights(event_id: str, batch: InsightsCollected, _signer: str) -> Delivery:
    return Delivery(
        event_id,
        "n8n_insights",
        batch.type,
        batch.model_dump(mode="json"),
        readings=[reading.model_dump() for reading in batch.readings],
    )


def _module_event(event_id: str, event: Any, module: str) -> Delivery:
    if refusal := event_type_refusal(module, event.type):
        refused = {"type": "value_error", "loc": ("body", "type"), "msg": refusal}
        raise Refused(invalid([refused]), refusal)
    return Delivery(
        inbox_event_id(module, event_id), module, event.type, event.model_dump(mode="json")
    )


def _callback_answer(event_id: str, stored: Stored) -> Response:
    if stored.outcome == "rejected":
        return problem(404, stored.detail, event_id=event_id, stored=stored.kept)
    if stored.outcome == "refused":
        return problem(409, stored.detail)
    if stored.outcome == "duplicate":
        return JSONResponse({"status": "duplicate", "event_id": event_id})
    return JSONResponse({"status": "accepted", "event_id": event_id}, status_code=202)


def _insights_answer(event_id: str, stored: Stored) -> Response:
    if stored.outcome == "duplicate":
        return JSONResponse({"status": "duplicate", "event_id": event_id})
    kept = stored.readings
    outcome = {
        "event_id": event_id,
        "stored": kept.stored,
        "duplicates": kept.duplicates,
        "unknown_posts": kept.unknown_posts,
    }
    if not kept.stored and not kept.duplicates:
        return problem(404, "no reading is of a post mediaflow published", **outcome)
    return JSONResponse({"status": "accepted", **outcome}, status_code=202)


@dataclass(frozen=True)
class Route:
    """One intake route: whose signature it takes, its body, the delivery made of it, the answer
    made of what became of that, and how the OpenAPI document names and describes it."""

    signer: str
    events: TypeAdapter
    delivery: Callable[[str, Any, str], Delivery]
    answer: Callable[[str, Stored], Response]
    answer_model: type[BaseModel]
    operation_id: str
    summary: str
    description: str | None = None
    tags: frozenset[str] = EVENT_TAGS


ROUTES = {
    "/callbacks/n8n": Route(
        "n8n",
        N8N_EVENTS,
        _content,
        _callback_answer,
        CallbackAnswer,
        "endpoint_callbacks_n8n_post",
        "An n8n content callback",
    ),
    "/callbacks/make": Route(
        "make",
        MAKE_EVENTS,
        _publication,
        _callback_answer,
        CallbackAnswer,
        "endpoint_callbacks_make_post",
        "A Make publication callback",
    ),
    "/api/analytics": Route(
        "n8n",
        INSIGHTS,
        _insights,
        _insights_answer,
        InsightsAnswer,
        "take_insights_api_analytics_post",
        "A batch of insight readings from n8n",
        "A signed batch of insight readings from n8n, kept in the inbox whole and its readings "
        "of\nknown posts stored for the next collection run to land; a resent batch changes "
        "nothing.",
    ),
    "/api/communication/webhook": Route(
        MODULES_SIGNER,
        MODULE_EVENTS,
        _module_event,
        _callback_answer,
        CallbackAnswer,
        "take_module_event_api_communication_webhook_post",
        "An event from another module",
        "An event from the recipes, CRM, stock or accounting module, signed with that module's "
        "own secret;\nkept in the inbox once per module and event id for the automation rules.",
        MODULE_EVENT_TAGS,
    ),
}


class CallbackIntake:
    """Serves `ROUTES` (POST only); passes every other request on to `app`."""

    def __init__(
        self,
        app: ASGIApp,
        verifiers: dict[str, Webhook],
        engine: Engine,
        module_rate_limit: str,
    ) -> None:
        self.app = app
        self.verifiers = verifiers
        self.group_commit = GroupCommit(engine)
        self.module_limit = parse(module_rate_limit)
        self.module_limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = ROUTES.get(scope["path"]) if scope["type"] == "http" else None
        if route is None:
            return await self.app(scope, receive, send)
        if scope["method"] != "POST":
            response = problem(405, "Method Not Allowed", headers={"allow": "POST"})
        else:
            try:
                response = await self._take(route, scope, receive)
            except Refused as refused:
                response = refused.response
                if route.signer == MODULES_SIGNER:
                    log.warning(
                        "refused a module event: %s %s", response.status_code, refused.reason
                    )
        await response(scope, receive, send)

    async def _take(self, route: Route, scope: Scope, receive: Receive) -> Response:
        raw = await _body(receive)
        event_id, signer = self._verified(route, raw, Headers(scope=scope))
        if route.signer == MODULES_SIGNER:
            self._admit(signer)
        delivery = route.delivery(event_id, _parsed(raw, route.events, route.tags), signer)
        try:
            stored = await self.group_commit.store(delivery)
        except SQLAlchemyError:
            log.exception("could not store callback %s from %s", event_id, scope["path"])
            return problem(503, "the callback could not be stored; nothing was kept")
        except Exception:
            log.exception("unexpected error on POST %s", scope["path"])
            return problem(500, "the request failed; nothing was stored")
        return route.answer(event_id, stored)

    def _verified(self, route: Route, raw: bytes, headers: Headers) -> tuple[str, str]:
        """The event id of a delivery whose signature holds, and whose secret signed it;
        otherwise `Refused`."""
        signers = MODULES if route.signer == MODULES_SIGNER else (route.signer,)
        error: Exception | None = None
        for signer in signers:
            try:
                self.verifiers[signer].verify(raw, dict(headers), json_parse=False)
                break
            except (WebhookVerificationError, ValueError) as refused:
                error = refused
        else:
            raise Refused(problem(401, f"signature rejected: {error}"), str(error))
        event_id = headers["webhook-id"]
        if len(event_id) > EVENT_ID_LENGTH:
            too_long = {
                "type": "string_too_long",
                "loc": ("header", "webhook-id"),
                "msg": f"longer than {EVENT_ID_LENGTH} characters",
            }
            raise Refused(invalid([too_long]), "webhook-id too long")
        return event_id, signer

    def _admit(self, module: str) -> None:
        """Count the event against its module's rate limit; `Refused` with 429 past it."""
        if self.module_limiter.hit(self.module_limit, module):
            return
        reset_at = self.module_limiter.get_window_stats(self.module_limit, module).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        detail = f"the {module} module sent more than {self.module_limit}"
        raise Refused(problem(429, detail, headers={"retry-after": str(retry_after)}), detail)


class KeptDeliveriesUnlogged(logging.Filter):
    """Leaves out of uvicorn's access log the intake's deliveries answered 200 or 202: the inbox
    keeps each of them with its event id and time, and a formatted line for each would cost
    more than uvicorn's own handling of the request (about 60 µs of 100 here). Refusals
    (401, 404, 409, 422, 5xx) and every other route are still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            _, method, path, _, status = args
            return not (method == "POST" and path in ROUTES and status in (200, 202))
        return True


KEPT_DELIVERIES_UNLOGGED = KeptDeliveriesUnlogged()


def quiet_access_log() -> None:
    """Put `KeptDeliveriesUnlogged` on uvicorn's access log (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if KEPT_DELIVERIES_UNLOGGED not in access.filters:
        access.addFilter(KEPT_DELIVERIES_UNLOGGED)


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _parsed(raw: bytes, events: TypeAdapter, tags: frozenset[str]) -> Any:
    try:
        return events.validate_python(parse_json(raw))
    except InvalidJson as error:
        raise Refused(
            invalid([{"type": "json_invalid", "loc": ("body",), "ctx": {"error": error.msg}}]),
            "not JSON",
        ) from error
    except ValidationError as error:
        errors = [{**entry, "loc": ("body", *entry["loc"])} for entry in error.errors()]
        fields = ", ".join(entry["field"] for entry in field_problems(errors, tags))
        raise Refused(invalid(errors, tags), f"invalid {fields}") from error


REFERENCE = "#/components/schemas/{model}"
SIGNATURE_HEADERS = [
    {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
]
PROBLEMS = (401, 404, 408, 409, 413, 415, 422, 429, 503)


def openapi_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI path items of the intake routes, and the schemas they refer to."""
    paths, schemas = {}, {}
    for path, route in ROUTES.items():
        body = route.events.json_schema(ref_template=REFERENCE)
        answer = route.answer_model.model_json_schema(ref_template=REFERENCE, mode="serialization")
        schemas.update(body.pop("$defs", {}))
        schemas.update(answer.pop("$defs", {}))
        schemas[route.answer_model.__name__] = answer
        answer_content = {
            "application/json": {"schema": {"$ref": REFERENCE.format(model=answer["title"])}}
        }
        problem_content = {PROBLEM_JSON: {"schema": {"$ref": REFERENCE.format(model="Problem")}}}
        operation = {
            "tags": ["callbacks"],
            "summary": route.summary,
            "operationId": route.operation_id,
            "parameters": SIGNATURE_HEADERS,
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "202": {"description": "Kept in the inbox", "content": answer_content},
                "200": {"description": "A duplicate", "content": answer_content},
                **{
                    str(status): {
                        "description": HTTPStatus(status).phrase,
                        "content": problem_content,
                    }
                    for status in PROBLEMS
                },
            },
        }
        if route.description:
            operation["description"] = route.description
        paths[path] = {"post": operation}
    return paths, schemas
