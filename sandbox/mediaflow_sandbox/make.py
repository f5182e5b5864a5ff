"""Make scenario webhooks: a publish runs the platform's module and calls back; a lookup answers
from the data store at once.

A hook made through the Make API runs its scenario: the platform and connection come from the
blueprint, and while the scenario is off the hook queues what it gets. Any other hook token
stands for a scenario publishing to `platform_config.platform` with no connection to check.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from mediaflow_sandbox.addresses import MAKE_HOOK_PREFIX
from mediaflow_sandbox.background import BackgroundWork
from mediaflow_sandbox.bodies import InvalidBody, parse_body
from mediaflow_sandbox.callbacks import DeliveryPolicy, SignedCallbacks
from mediaflow_sandbox.clock import iso_z
from mediaflow_sandbox.faults import Faults
from mediaflow_sandbox.make_data_store import PublicationRecords
from mediaflow_sandbox.make_team import MakeTeam, Scenario
from mediaflow_sandbox.platforms import (
    PlatformStore,
    PostKind,
    Rejection,
    account_rejection,
    kind_rejection,
    media_type_rejection,
    missing_media_rejection,
    targeting_rejection,
)


class PostContent(BaseModel):
    message: str
    media_url: str | None
    hashtags: list[str]


class PlatformConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    platform: str
    account_id: str
    account_type: str


class Targeting(BaseModel):
    model_config = ConfigDict(extra="ignore")

    age_min: int | None = None


NonEmpty = Annotated[str, Field(min_length=1)]


class ArticleOrder(BaseModel):
    """A WordPress post (title, HTML content) or a LinkedIn article share (a link card)."""

    model_config = ConfigDict(extra="ignore")

    delivery: Literal["full_text", "link_card"]
    title: NonEmpty
    body_html: str | None = None
    summary: str | None = None
    canonical_url: str | None = None


class AdBudget(BaseModel):
    model_config = ConfigDict(extra="ignore")

    amount: float = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    period: Literal["daily", "lifetime"]


class AdSchedule(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start_time: NonEmpty
    end_time: str | None = None


class AdvertisementOrder(BaseModel):
    """What an ad product needs to create a campaign, an ad set and an ad of one creative."""

    model_config = ConfigDict(extra="ignore")

    headline: str | None
    primary_text: NonEmpty
    call_to_action: NonEmpty
    objective: NonEmpty
    destination_url: NonEmpty
    budget: AdBudget
    schedule: AdSchedule
    creative_url: NonEmpty


class PublishOrder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: Literal["publish"] = "publish"
    publication_id: StrictInt
    idempotency_key: str
    object_id: StrictInt
    object_type: str | None = None
    content: PostContent
    article: ArticleOrder | None = None
    advertisement: AdvertisementOrder | None = None
    platform_config: PlatformConfig
    callback_url: str
    callback_token: str | None = None
    targeting: Targeting | None = None

    @property
    def kind(self) -> PostKind:
        if self.object_type in ("article", "advertisement"):
            return self.object_type
        return "post"

    def kind_fields_missing(self) -> Rejection | None:
        """An article or an ad without its fields, or a link card without its link."""
        kind = self.kind
        if kind != "post" and getattr(self, kind) is None:
            return Rejection("invalid_payload", f"an {kind} needs its `{kind}` fields")
        if self.article and self.article.delivery == "link_card" and not self.article.canonical_url:
            return Rejection("invalid_payload", "an article link card needs article.canonical_url")
        return None

    @property
    def published_text(self) -> str:
        if self.article is not None:
            return " ".join(
                part
                for part in (self.article.title, self.article.summary, self.article.body_html)
                if part
            )
        return " ".join([self.content.message, *self.content.hashtags])


class LookupOrder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: Literal["lookup"]
    idempotency_key: str


class MakeScenarios:
    def __init__(
        self,
        team: MakeTeam,
        platforms: PlatformStore,
        records: PublicationRecords,
        callbacks: SignedCallbacks,
        faults: Faults,
        work: BackgroundWork,
        timeout_seconds: float,
    ) -> None:
        self._team = team
        self._platforms = platforms
        self._records = records
        self._callbacks = callbacks
        self._faults = faults
        self._work = work
        self._timeout_seconds = timeout_seconds
        self._downloads: httpx.AsyncClient | None = None

    def routes(self) -> list[Route]:
        return [Route(f"{MAKE_HOOK_PREFIX}/{{token}}", self.hook, methods=["POST"])]

    async def hook(self, request: Request) -> Response:
        payload = await request.body()
        hook = self._team.hook_at(request.path_params["token"])
        if hook is None:
            return self._receive(payload, request.url.path, None)
        scenario = self._team.scenario_on(hook)
        if scenario is None or not scenario.is_active:
            hook.queue.append(payload)
            return PlainTextResponse("Accepted")
        return self._receive(payload, hook.path, scenario)

    def run_queued(self, scenario: Scenario, payloads: list[bytes]) -> None:
        """Run what the scenario's hook queued while it was off; nobody waits for the answers."""
        for payload in payloads:
            self._receive(payload, scenario.hook.path, scenario)

    def _receive(self, payload: bytes, path: str, scenario: Scenario | None) -> Response:
        try:
            order = parse_body(LookupOrder if _is_lookup(payload) else PublishOrder, payload)
        except InvalidBody as error:
            return PlainTextResponse(f"Bad Request: {error}", status_code=400)
        if isinstance(order, LookupOrder):
            return JSONResponse(self._records.answer(order.idempotency_key))
        self._records.processing(order.idempotency_key)
        run = self._run(order, scenario, DeliveryPolicy.for_webhook(self._faults, path))
        self._work.start(run, f"make publication {order.publication_id}")
        return PlainTextResponse("Accepted")

    async def _run(
        self, order: PublishOrder, scenario: Scenario | None, policy: DeliveryPolicy
    ) -> None:
        event = await self._publish(order, scenario)
        self._records.settle(order.idempotency_key, event)
        await self._callbacks.deliver(order.callback_url, event, policy)

    async def _publish(self, order: PublishOrder, scenario: Scenario | None) -> dict[str, Any]:
        platform = scenario.platform if scenario else order.platform_config.platform
        media_url = order.content.media_url
        rejection = (
            (scenario and scenario.connection.rejection())
            or targeting_rejection(order.targeting.age_min if order.targeting else None)
            or account_rejection(platform, order.platform_config.account_type)
            or kind_rejection(platform, order.kind)
            or order.kind_fields_missing()
            or missing_media_rejection(platform, media_url)
        )
        media_type = None
        if rejection is None and media_url is not None:
            media_type = await self._media_type(media_url)
            rejection = (
                Rejection("media_unreachable", f"could not download the media at {media_url}")
                if media_type is None
                else media_type_rejection(platform, media_type)
            )
        event: dict[str, Any] = {
            "publication_id": order.publication_id,
            "idempotency_key": order.idempotency_key,
        }
        if order.callback_token is not None:
            event["callback_token"] = order.callback_token
        if rejection is not None:
            return {
                "type": "publication.failed",
                **event,
                "status": "failed",
                "error": {"code": rejection.code, "message": rejection.message},
            }
        post = self._platforms.publish(
            platform=platform,
            account_id=order.platform_config.account_id,
            publication_id=order.publication_id,
            idempotency_key=order.idempotency_key,
            object_id=order.object_id,
            message=order.published_text,
            media_url=media_url,
            media_type=media_type,
            kind=order.kind,
        )
        if post.publish_id is not None:
            event["publish_id"] = post.publish_id
        return {
            "type": "publication.published",
            **event,
            "status": "published",
            "external_id": post.external_id,
            "external_url": post.external_url,
            "published_at": iso_z(post.published_at),
        }

    async def _media_type(self, media_url: str) -> str | None:
        """The media's type as the platform sees it when it downloads it; None if it cannot."""
        if self._downloads is None:
            self._downloads = httpx.AsyncClient(
                timeout=self._timeout_seconds, follow_redirects=True
            )
        try:
            response = await self._downloads.get(media_url)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        return response.headers.get("content-type", "application/octet-stream")


def _is_lookup(payload: bytes) -> bool:
    try:
        order = json.loads(payload)
    except ValueError:
        return False
    return isinstance(order, dict) and order.get("action") == "lookup"
