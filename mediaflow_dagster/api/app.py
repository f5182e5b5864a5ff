"""The CMS API (FastAPI on ASGI): campaigns, social accounts, objects, approvals, administration,
and the n8n / Make callbacks. It writes only to the ops store; sensors pick its writes up.

Around every request, outermost first: its metrics (`metrics.py`), CORS (the allowlisted origins
only), refusal of writes from any other origin, the body read whole within its size and time
limits. Then the signed callbacks are taken by the intake (`intake.py`: verified, kept in the
inbox by group commit); every other request gets one ops-store transaction committed only on a
success, with the change's audit entry, and inside it strict JSON, authentication, the rate
limit, the scope, then the route. `/openapi.json` describes it all (OpenAPI 3.1) and `/docs`
shows it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.middleware import Middleware
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from standardwebhooks import Webhook

from mediaflow_dagster.api import intake, metrics, problems
from mediaflow_dagster.api.context import ApiContext
from mediaflow_dagster.api.intake import CallbackIntake
from mediaflow_dagster.api.middleware import CrossOriginWrites, RequestLimits, TransactionPerRequest
from mediaflow_dagster.api.models import Health, Readiness
from mediaflow_dagster.api.problems import PROBLEM_JSON
from mediaflow_dagster.api.readiness import readiness
from mediaflow_dagster.api.routes import (
    accounts,
    admin,
    analytics,
    automation,
    campaigns,
    communication,
    communication_campaigns,
    contacts,
    menus,
    notifications,
    objects,
    performance,
    reports,
    search,
    status,
    templates,
    webhooks,
)
from mediaflow_dagster.api.security import Gate
from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.resources.configuration import (
    client_from_environment,
    require_environment,
)
from mediaflow_dagster.resources.make_api import MakeApi
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.resources.search import SearchIndex
from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_dagster.resources.webhooks import OutboundWebhooks
from mediaflow_dagster.settings import (
    ApiSettings,
    CallbackSecrets,
    MissingSetting,
    Settings,
    get_settings,
    load_together,
)

API_VERSION = "1.0.0"


def create_app(settings: Settings) -> FastAPI:
    """The API on `settings`' ops store. Its own settings (`ApiSettings`), the callback secrets
    and the Make API (how onboarding asks Make for connections) come from the environment: a
    missing secret stops it here, naming its variable."""
    api_settings, secrets = _api_configuration()
    engine = ops_engine(settings.ops_database_url)
    migrate(engine)
    api_metrics = metrics.ApiMetrics()
    app = FastAPI(
        title="mediaflow CMS API",
        version=API_VERSION,
        description="Campaigns, social accounts, objects and approvals; the signed callbacks "
        "of n8n and Make. Every error is an RFC 9457 problem (`application/problem+json`).",
        middleware=[
            Middleware(metrics.RequestMetrics, metrics=api_metrics),
            Middleware(
                CORSMiddleware,
                allow_origins=api_settings.cors_origins,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=["authorization", "content-type"],
                expose_headers=["location", "retry-after", "etag"],
            ),
            Middleware(
                CrossOriginWrites, allowed=api_settings.cors_origins, own=settings.public_api_url
            ),
            Middleware(
                RequestLimits,
                max_bytes=api_settings.max_body_bytes,
                timeout_seconds=api_settings.body_timeout_seconds,
            ),
            Middleware(
                CallbackIntake,
                verifiers={
                    signer: Webhook(secret.get_secret_value())
                    for signer, secret in secrets.verifying().items()
                },
                engine=engine,
                module_rate_limit=api_settings.module_event_rate_limit,
            ),
            Middleware(TransactionPerRequest, engine=engine),
        ],
    )
    app.state.context = ApiContext(
        settings=settings,
        api_settings=api_settings,
        engine=engine,
        make_api=client_from_environment(MakeApi),
        outbound_webhooks=client_from_environment(OutboundWebhooks),
        personal_data=client_from_environment(PersonalData),
        sms_provider=client_from_environment(SmsProvider),
        search=client_from_environment(SearchIndex),
    )
    app.state.gate = Gate(api_settings)
    app.state.metrics = api_metrics
    intake.quiet_access_log()
    problems.install(app)

    @app.get("/health", response_model=Health, tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: the process answers. It looks at nothing else."""
        return {"status": "ok"}

    @app.get(
        "/health/ready",
        response_model=Readiness,
        tags=["health"],
        responses={503: {"model": Readiness, "description": "the API cannot serve"}},
    )
    def ready() -> JSONResponse:
        """Readiness, for a load balancer: 200 when the ops store and the warehouse answer
        (`degraded` when a service the runs use was failing at its last check), 503 when not."""
        is_ready, answer = readiness(settings, engine)
        body = Readiness.model_validate(answer).model_dump(mode="json")
        return JSONResponse(body, status_code=200 if is_ready else 503)

    for module in (
        metrics,
        accounts,
        campaigns,
        objects,
        admin,
        contacts,
        templates,
        notifications,
        webhooks,
        search,
        analytics,
        status,
        performance,
        reports,
        communication_campaigns,
        automation,
        menus,
    ):
        app.include_router(module.router)
    app.include_router(accounts.landing)
    app.include_router(contacts.suppression_router)
    app.include_router(contacts.erasure_router)
    app.include_router(communication.public)
    app.include_router(menus.public)
    app.openapi = lambda: _openapi(app)
    return app


def _api_configuration() -> list:
    """The API's settings and the callback secrets; every variable they and the keys of
    personal data (`PersonalData`) lack is named at once."""
    try:
        require_environment(PersonalData, SmsProvider)
        lacking = []
    except MissingSetting as missing:
        lacking = missing.variables
    try:
        loaded = load_together(ApiSettings, CallbackSecrets)
    except MissingSetting as missing:
        raise MissingSetting(missing.variables + lacking) from missing
    if lacking:
        raise MissingSetting(lacking)
    return loaded


def app_from_environment() -> FastAPI:
    """The API on the environment's settings: what each process of `mediaflow api --workers N`
    serves."""
    return create_app(get_settings())


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the intake's operations (served outside FastAPI's router) and
    each problem answer under `application/problem+json` alone (FastAPI lists a documented model
    under the route's default `application/json` too)."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    paths, schemas = intake.openapi_paths()
    document["paths"].update(paths)
    document["components"]["schemas"].update(schemas)
    for operations in document["paths"].values():
        for operation in operations.values():
            for answer in operation.get("responses", {}).values():
                content = answer.get("content", {})
                if PROBLEM_JSON in content and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    app.openapi_schema = document
    return document
