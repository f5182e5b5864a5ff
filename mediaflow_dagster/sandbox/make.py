"""One Make scenario per social account: a webhook, the platform's publish module, a callback."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, StrictInt
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from mediaflow_dagster.sandbox.addresses import MAKE_HOOK_PREFIX
from mediaflow_dagster.sandbox.background import BackgroundWork
from mediaflow_dagster.sandbox.bodies import InvalidBody, parse_body
from mediaflow_dagster.sandbox.callbacks import DeliveryPolicy, SignedCallbacks
from mediaflow_dagster.sandbox.clock import iso_z
from mediaflow_dagster.sandbox.faults import Faults
from mediaflow_dagster.sandbox.platforms import (
    PlatformStore,
    Rejection,
    account_rejection,
    media_type_rejection,
    missing_media_rejection,
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


class PublishOrder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    publication_id: StrictInt
    idempotency_key: str
    object_id: StrictInt
    content: PostContent
    platform_config: PlatformConfig
    callback_url: str


class MakeScenarios:
    def __init__(
        self,
        platforms: PlatformStore,
        callbacks: SignedCallbacks,
        faults: Faults,
        work: BackgroundWork,
        timeout_seconds: float,
    ) -> None:
        self._platforms = platforms
        self._callbacks = callbacks
        self._faults = faults
        self._work = work
        self._timeout_seconds = timeout_seconds

    def routes(self) -> list[Route]:
        return [Route(f"{MAKE_HOOK_PREFIX}/{{token}}", self.hook, methods=["POST"])]

    async def hook(self, request: Request) -> PlainTextResponse:
        try:
            order = parse_body(PublishOrder, await request.body())
        except InvalidBody as error:
            return PlainTextResponse(f"Bad Request: {error}", status_code=400)
        policy = DeliveryPolicy.under(self._faults.rule_for(request.url.path))
        self._work.start(self._run(order, policy), f"make publication {order.publication_id}")
        return PlainTextResponse("Accepted")

    async def _run(self, order: PublishOrder, policy: DeliveryPolicy) -> None:
        await self._callbacks.deliver(order.callback_url, await self._publish(order), policy)

    async def _publish(self, order: PublishOrder) -> dict[str, Any]:
        platform = order.platform_config.platform
        media_url = order.content.media_url
        rejection = account_rejection(
            platform, order.platform_config.account_type
        ) or missing_media_rejection(platform, media_url)
        media_type = None
        if rejection is None and media_url is not None:
            media_type = await self._media_type(media_url)
            rejection = (
                Rejection("media_unreachable", f"could not download the media at {media_url}")
                if media_type is None
                else media_type_rejection(platform, media_type)
            )
        event = {"publication_id": order.publication_id, "idempotency_key": order.idempotency_key}
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
            message=" ".join([order.content.message, *order.content.hashtags]),
            media_url=media_url,
            media_type=media_type,
        )
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
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout_seconds, follow_redirects=True
            ) as client:
                response = await client.get(media_url)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        return response.headers.get("content-type", "application/octet-stream")
