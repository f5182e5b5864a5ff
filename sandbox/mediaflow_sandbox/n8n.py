"""The shipped n8n workflows: a webhook that starts an execution, and its signed callback."""

from __future__ import annotations

import itertools
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, StrictInt
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.addresses import N8N_API_PREFIX, N8N_WEBHOOK_PREFIX
from mediaflow_sandbox.background import BackgroundWork
from mediaflow_sandbox.bodies import InvalidBody, parse_body
from mediaflow_sandbox.callbacks import DeliveryPolicy, SignedCallbacks
from mediaflow_sandbox.content import MediaFile, media_file, post_copy, rendition_file
from mediaflow_sandbox.faults import Faults
from mediaflow_sandbox.graph import Drive

WORKFLOW_OBJECT_TYPES = {
    "generate-video": "video",
    "process-image": "image",
    "generate-text": "text",
    "generate-audio": "audio",
}
FIRST_EXECUTION_ID = 1001


class ContentOrder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    object_id: StrictInt
    object_type: Literal["video", "image", "text", "audio"]
    request_id: str
    sources: list[Any]
    config: dict[str, Any]
    callback_url: str


class N8nWorkflows:
    def __init__(
        self,
        drive: Drive,
        callbacks: SignedCallbacks,
        faults: Faults,
        work: BackgroundWork,
        api_key: str,
    ) -> None:
        self._api_key = api_key
        self._drive = drive
        self._callbacks = callbacks
        self._faults = faults
        self._work = work
        self._execution_ids = itertools.count(FIRST_EXECUTION_ID)

    def routes(self) -> list[Route]:
        return [
            Route(f"{N8N_WEBHOOK_PREFIX}/{{path:path}}", self.webhook, methods=["POST"]),
            Route(f"{N8N_API_PREFIX}/workflows", self.workflows),
        ]

    async def workflows(self, request: Request) -> JSONResponse:
        """n8n's public API listing, as far as a health check needs it: the stand-in's
        workflows are its webhooks, so the list is empty."""
        if request.headers.get("x-n8n-api-key") != self._api_key:
            return JSONResponse({"message": "unauthorized"}, status_code=401)
        return JSONResponse({"data": [], "nextCursor": None})

    async def webhook(self, request: Request) -> JSONResponse:
        path = request.path_params["path"]
        if path not in WORKFLOW_OBJECT_TYPES:
            return JSONResponse(
                {
                    "code": 404,
                    "message": f'The requested webhook "POST {path}" is not registered.',
                    "hint": "The workflow must be active for a production URL to run successfully.",
                },
                status_code=404,
            )
        try:
            order = parse_body(ContentOrder, await request.body())
        except InvalidBody as error:
            return JSONResponse({"code": 400, "message": str(error)}, status_code=400)
        if order.object_type != WORKFLOW_OBJECT_TYPES[path]:
            makes = WORKFLOW_OBJECT_TYPES[path]
            message = f"workflow {path} makes {makes} objects, not {order.object_type}"
            return JSONResponse({"code": 400, "message": message}, status_code=400)
        execution_id = str(next(self._execution_ids))
        policy = DeliveryPolicy.for_webhook(self._faults, request.url.path)
        execution = self._execute(execution_id, order, policy)
        self._work.start(execution, f"n8n execution {execution_id}")
        return JSONResponse(
            {"message": "Workflow was started", "execution_id": execution_id}, status_code=202
        )

    async def _execute(
        self, execution_id: str, order: ContentOrder, policy: DeliveryPolicy
    ) -> None:
        outcome = self._outcome(execution_id, order)
        await self._callbacks.deliver(order.callback_url, outcome, policy)

    def _outcome(self, execution_id: str, order: ContentOrder) -> dict[str, Any]:
        event = {
            "object_id": order.object_id,
            "request_id": order.request_id,
            "execution_id": execution_id,
            "workflow": f"{order.object_type} stand-in",
        }
        if order.object_type == "video" and not order.sources:
            return {
                "type": "content.failed",
                **event,
                "error": "a video needs at least one source clip",
            }
        if order.object_type == "text":
            copy = post_copy(order.object_id, order.config)
            return {
                "type": "content.ready",
                **event,
                "content": {"text": copy.text, "hashtags": copy.hashtags},
                "media": None,
            }
        renditions = [
            {"platform": rendition["platform"], "media": self._store(order, made)}
            for rendition in order.config.get("renditions", [])
            if order.object_type == "image"
            for made in [rendition_file(order.object_id, order.sources, rendition)]
        ]
        return {
            "type": "content.ready",
            **event,
            "content": {"text": None, "hashtags": []},
            "media": self._store(
                order, media_file(order.object_type, order.object_id, order.sources, order.config)
            ),
            "renditions": renditions,
        }

    def _store(self, order: ContentOrder, made: MediaFile) -> dict[str, Any]:
        item, _ = self._drive.put(
            f"mediaflow/objects/{order.object_id}/{made.name}", made.data, made.facets
        )
        return {
            "drive_id": self._drive.drive_id,
            "item_id": item.id,
            "name": item.name,
            "web_url": self._drive.web_url(item),
        }
