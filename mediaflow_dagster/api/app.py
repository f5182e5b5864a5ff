"""The CMS API (ASGI): campaigns, social accounts, objects, approvals, and the n8n / Make
callbacks. It writes only to the ops store; sensors pick its writes up."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from functools import partial
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Connection
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_dagster.api.models import (
    MAKE_EVENTS,
    N8N_EVENTS,
    ApprovalIn,
    CampaignIn,
    CampaignObjectIn,
    CampaignStatusIn,
    CandidateFilter,
    InsightsCollected,
    OnboardingIn,
    SocialAccountIn,
)
from mediaflow_dagster.cms import accounts, sourcing
from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.generation import claim_content_callback
from mediaflow_dagster.cms.inbox import store_callback
from mediaflow_dagster.cms.insights import KeptReadings, keep_readings
from mediaflow_dagster.cms.publishing import claim_callback_token, get_publication
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.http import OutcomeUnknown, ServiceUnavailable
from mediaflow_dagster.resources.make_api import MakeApi, MakeRefused
from mediaflow_dagster.settings import CallbackSecrets, Settings

Subject = tuple[int, int, Callable[[Connection], None] | None]


class InvalidBody(Exception):
    def __init__(self, fields: list[dict[str, str]]):
        super().__init__("invalid body")
        self.fields = fields


def _field_errors(error: ValidationError, tags: set[str]) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in problem["loc"] if part not in tags) or "body",
            "message": problem["msg"],
        }
        for problem in error.errors()
    ]


def _parse(raw: bytes, schema: type[BaseModel] | TypeAdapter, tags: set[str] = frozenset()) -> Any:
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise InvalidBody([{"field": "body", "message": f"not valid JSON: {error}"}]) from error
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(document)
        return schema.model_validate(document)
    except ValidationError as error:
        raise InvalidBody(_field_errors(error, tags)) from error


def _json(document: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(json.loads(json.dumps(document, default=str)), status_code=status_code)


def _error(status_code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status_code)


def create_app(settings: Settings) -> Starlette:
    """The API on `settings`' ops store. The callback secrets and the Make API (how onboarding
    asks Make for connections) come from the environment: a missing secret stops it here,
    naming its variable."""
    secrets = CallbackSecrets.load()
    make_api = client_from_environment(MakeApi)
    engine = ops_engine(settings.ops_database_url)
    migrate(engine)
    verifiers = {
        "n8n": Webhook(secrets.n8n_callback_secret.get_secret_value()),
        "make": Webhook(secrets.make_callback_secret.get_secret_value()),
    }

    async def health(request: Request) -> JSONResponse:
        return _json({"status": "ok"})

    async def create_social_account(request: Request) -> JSONResponse:
        account = _parse(await request.body(), SocialAccountIn)
        fields = account.model_dump() | {"make_webhook_url": str(account.make_webhook_url)}
        created = await run_in_threadpool(accounts.create_social_account, engine, **fields)
        return _json(created, 201)

    async def list_social_accounts(request: Request) -> JSONResponse:
        return _json(await run_in_threadpool(accounts.list_social_accounts, engine))

    def authorization(account: dict[str, Any]) -> str:
        connected = f"{settings.public_api_url}/api/social-accounts/{account['id']}/connected"
        return make_api.authorization_url(account["make_connection_id"], connected)

    async def onboard_social_account(request: Request) -> JSONResponse:
        """Ask Make for a connection; the agent authorizes it at the returned URL, after which
        onboarding finishes on its own (webhook, scenario from the platform's blueprint)."""
        wanted = _parse(await request.body(), OnboardingIn)
        try:
            connection_id = await run_in_threadpool(
                make_api.create_connection, wanted.platform, wanted.name
            )
        except (MakeRefused, ServiceUnavailable, OutcomeUnknown) as error:
            return _error(502, f"Make did not create the connection: {error}")
        account = await run_in_threadpool(
            accounts.create_social_account,
            engine,
            **wanted.model_dump(),
            make_connection_id=connection_id,
            status="pending",
        )
        return _json({"account": account, "authorize_url": authorization(account)}, 201)

    async def account_connected(request: Request) -> JSONResponse:
        account_id = request.path_params["account_id"]
        await run_in_threadpool(accounts.mark_authorized, engine, account_id)
        return _json({"status": "authorized", "account_id": account_id})

    async def reconnect_social_account(request: Request) -> JSONResponse:
        account_id = request.path_params["account_id"]
        account = await run_in_threadpool(accounts.begin_reconnect, engine, account_id)
        return _json({"account": account, "authorize_url": authorization(account)})

    async def add_target(request: Request) -> JSONResponse:
        campaign_id = request.path_params["campaign_id"]
        await run_in_threadpool(cms.get_campaign, engine, campaign_id)
        account_id = request.path_params["account_id"]
        await run_in_threadpool(accounts.add_target, engine, campaign_id, account_id)
        return _json(await run_in_threadpool(cms.get_campaign, engine, campaign_id))

    async def revoke_social_account(request: Request) -> JSONResponse:
        account_id = request.path_params["account_id"]
        return _json(await run_in_threadpool(accounts.revoke_account, engine, account_id))

    async def revoke_target(request: Request) -> JSONResponse:
        campaign_id = request.path_params["campaign_id"]
        account_id = request.path_params["account_id"]
        await run_in_threadpool(accounts.revoke_target, engine, campaign_id, account_id)
        return _json(await run_in_threadpool(cms.get_campaign, engine, campaign_id))

    async def create_campaign(request: Request) -> JSONResponse:
        campaign = _parse(await request.body(), CampaignIn)
        return _json(
            await run_in_threadpool(cms.create_campaign, engine, **campaign.model_dump()), 201
        )

    async def get_campaign(request: Request) -> JSONResponse:
        return _json(
            await run_in_threadpool(cms.get_campaign, engine, request.path_params["campaign_id"])
        )

    async def change_campaign_status(request: Request) -> JSONResponse:
        change = _parse(await request.body(), CampaignStatusIn)
        campaign_id = request.path_params["campaign_id"]
        return _json(
            await run_in_threadpool(cms.change_campaign_status, engine, campaign_id, change.status)
        )

    async def create_object(request: Request) -> JSONResponse:
        content = _parse(await request.body(), CampaignObjectIn)
        campaign_id = request.path_params["campaign_id"]
        created = await run_in_threadpool(
            cms.create_object, engine, campaign_id=campaign_id, **content.model_dump()
        )
        return _json(created, 201)

    async def list_candidates(request: Request) -> JSONResponse:
        try:
            wanted = CandidateFilter.model_validate(dict(request.query_params))
        except ValidationError as error:
            return _error(422, "invalid query", fields=_field_errors(error, set()))
        campaign_id = request.path_params["campaign_id"]
        return _json(
            await run_in_threadpool(sourcing.list_candidates, engine, campaign_id, wanted.kind)
        )

    async def pick_candidate(request: Request) -> JSONResponse:
        """Make the candidate a draft object of the campaign: an image of the photo, or a text
        on the idea."""
        picked = await run_in_threadpool(
            sourcing.pick_candidate,
            engine,
            request.path_params["campaign_id"],
            request.path_params["candidate_id"],
        )
        return _json(picked, 201)

    async def get_object(request: Request) -> JSONResponse:
        return _json(
            await run_in_threadpool(cms.get_object, engine, request.path_params["object_id"])
        )

    async def approve_object(request: Request) -> JSONResponse:
        approval = _parse(await request.body(), ApprovalIn)
        object_id = request.path_params["object_id"]
        scheduled_time = approval.scheduled_time
        approved = await run_in_threadpool(
            partial(
                cms.approve_object,
                engine,
                object_id,
                approval.approved_by,
                scheduled_time=(
                    scheduled_time.astimezone(UTC).replace(tzinfo=None) if scheduled_time else None
                ),
                targeting=approval.targeting.model_dump() if approval.targeting else None,
            )
        )
        return _json(approved)

    def callback_endpoint(
        source: str, events: TypeAdapter, subject: Callable[[Any], Subject]
    ) -> Callable:
        """Verify the signature over the raw body, validate, resolve the subject's campaign, and
        keep the callback in the inbox under its event id, all before anything acts on it."""
        tags = {"content.ready", "content.failed", "publication.published", "publication.failed"}

        async def endpoint(request: Request) -> JSONResponse:
            raw = await request.body()
            try:
                verifiers[source].verify(raw, dict(request.headers), json_parse=False)
            except (WebhookVerificationError, ValueError) as error:
                return _error(401, f"signature rejected: {error}")
            event_id = request.headers["webhook-id"]
            event = _parse(raw, events, tags)
            document = event.model_dump(mode="json")
            try:
                campaign_id, subject_id, claim = await run_in_threadpool(subject, event)
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
                    payload=document,
                    campaign_id=campaign_id,
                    subject_id=subject_id,
                    rejection=str(refusal) if refusal else None,
                    claim=claim,
                )
            )
            if refusal:
                status = 404 if isinstance(refusal, NotFound) else 409
                return _error(status, str(refusal), event_id=event_id, stored=stored)
            if not stored:
                return _json({"status": "duplicate", "event_id": event_id})
            return _json({"status": "accepted", "event_id": event_id}, 202)

        return endpoint

    async def take_insights(request: Request) -> JSONResponse:
        """A signed batch of insight readings from n8n, kept in the inbox whole and its readings
        of known posts stored for the next collection run to land; a resent batch changes
        nothing."""
        raw = await request.body()
        try:
            verifiers["n8n"].verify(raw, dict(request.headers), json_parse=False)
        except (WebhookVerificationError, ValueError) as error:
            return _error(401, f"signature rejected: {error}")
        event_id = request.headers["webhook-id"]
        batch = _parse(raw, InsightsCollected)
        readings = [
            {
                **reading.model_dump(),
                "collected_at": reading.collected_at.astimezone(UTC).replace(tzinfo=None),
            }
            for reading in batch.readings
        ]
        kept: list[KeptReadings] = []

        def keep(connection: Connection) -> None:
            kept.append(keep_readings(connection, event_id, readings))

        stored = await run_in_threadpool(
            partial(
                store_callback,
                engine,
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
            return _json({"status": "duplicate", "event_id": event_id})
        outcome = {
            "event_id": event_id,
            "stored": kept[0].stored,
            "duplicates": kept[0].duplicates,
            "unknown_posts": kept[0].unknown_posts,
        }
        if not kept[0].stored and not kept[0].duplicates:
            return _error(404, "no reading is of a post mediaflow published", **outcome)
        return _json({"status": "accepted", **outcome}, 202)

    def content_subject(event: Any) -> Subject:
        """The object the callback is about; refused (nothing stored) unless the object waits
        for content from this very request."""
        campaign_id = cms.get_object(engine, event.object_id)["campaign_id"]
        claim = partial(
            claim_content_callback, object_id=event.object_id, request_id=event.request_id
        )
        return campaign_id, event.object_id, claim

    def publication_subject(event: Any) -> Subject:
        """The publication the callback is about; refused (nothing stored) when its idempotency
        key differs, its account is not active, or its single-use token is wrong or spent."""
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

    async def invalid_body(request: Request, error: InvalidBody) -> JSONResponse:
        return _error(422, "invalid body", fields=error.fields)

    async def not_found(request: Request, error: NotFound) -> JSONResponse:
        return _error(404, str(error))

    async def conflict(request: Request, error: Conflict) -> JSONResponse:
        return _error(409, str(error))

    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return _error(error.status_code, error.detail)

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/api/social-accounts", create_social_account, methods=["POST"]),
            Route("/api/social-accounts", list_social_accounts, methods=["GET"]),
            Route("/api/social-accounts/onboard", onboard_social_account, methods=["POST"]),
            Route("/api/social-accounts/{account_id:int}/connected", account_connected),
            Route(
                "/api/social-accounts/{account_id:int}/revoke",
                revoke_social_account,
                methods=["POST"],
            ),
            Route(
                "/api/social-accounts/{account_id:int}/reconnect",
                reconnect_social_account,
                methods=["POST"],
            ),
            Route("/api/campaigns", create_campaign, methods=["POST"]),
            Route("/api/campaigns/{campaign_id:int}", get_campaign),
            Route(
                "/api/campaigns/{campaign_id:int}/status", change_campaign_status, methods=["POST"]
            ),
            Route(
                "/api/campaigns/{campaign_id:int}/targets/{account_id:int}",
                revoke_target,
                methods=["DELETE"],
            ),
            Route(
                "/api/campaigns/{campaign_id:int}/targets/{account_id:int}",
                add_target,
                methods=["PUT"],
            ),
            Route("/api/campaigns/{campaign_id:int}/objects", create_object, methods=["POST"]),
            Route("/api/campaigns/{campaign_id:int}/candidates", list_candidates),
            Route(
                "/api/campaigns/{campaign_id:int}/candidates/{candidate_id:int}/pick",
                pick_candidate,
                methods=["POST"],
            ),
            Route("/api/objects/{object_id:int}", get_object),
            Route("/api/objects/{object_id:int}/approve", approve_object, methods=["POST"]),
            Route(
                "/callbacks/n8n",
                callback_endpoint("n8n", N8N_EVENTS, content_subject),
                methods=["POST"],
            ),
            Route("/api/analytics", take_insights, methods=["POST"]),
            Route(
                "/callbacks/make",
                callback_endpoint("make", MAKE_EVENTS, publication_subject),
                methods=["POST"],
            ),
        ],
        exception_handlers={
            InvalidBody: invalid_body,
            NotFound: not_found,
            Conflict: conflict,
            HTTPException: http_error,
        },
    )
