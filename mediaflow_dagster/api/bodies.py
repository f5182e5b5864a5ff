"""Reading JSON bodies strictly: what Python's `json` module accepts but no store can keep is
refused here, as a 422 naming the body, before any model sees it: `NaN` and `Infinity`, numbers
that overflow to infinity (`1e400`), lone UTF-16 surrogates (`"\\ud800"`), NUL characters
(`"\\u0000"`, which PostgreSQL's text cannot hold), bytes that are not UTF-8, and documents
nested deeper than `MAX_DEPTH` (deep enough for any request mediaflow
takes, shallow enough for every recursive encoder and database after it)."""

from __future__ import annotations

import email.message
import json
import math
import re
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

MAX_DEPTH = 32
_UNKEEPABLE_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")


class InvalidJson(json.JSONDecodeError):
    """A body that is not JSON mediaflow can keep (FastAPI answers a `JSONDecodeError` with a
    422 `json_invalid` naming the body)."""

    def __init__(self, reason: str, document: str = "", position: int = 0) -> None:
        super().__init__(reason, document, position)


def _refuse_constant(name: str) -> float:
    raise InvalidJson(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise InvalidJson(f"{text} is beyond the range of a double")
    return number


def parse_json(raw: bytes) -> Any:
    """The document in `raw`, or `InvalidJson` saying why it cannot be taken."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidJson("the body is not UTF-8", "", error.start) from error
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError as error:
        raise InvalidJson(f"the document is nested deeper than {MAX_DEPTH} levels") from error
    except InvalidJson:
        raise
    except json.JSONDecodeError as error:
        raise InvalidJson(error.msg, error.doc, error.pos) from error
    except ValueError as error:  # an integer of more than 4300 digits
        raise InvalidJson(str(error)) from error
    if _depth(document) > MAX_DEPTH:
        raise InvalidJson(f"the document is nested deeper than {MAX_DEPTH} levels")
    if _UNKEEPABLE_ESCAPE.search(raw):
        for text in _strings(document):
            if "\x00" in text:
                raise InvalidJson("a string holds a NUL character (U+0000)")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as error:
                raise InvalidJson("a string holds a lone UTF-16 surrogate") from error
    return document


def _strings(document: Any) -> Iterator[str]:
    """Every string in `document`, object keys included."""
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            pending.extend(node)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def _depth(document: Any) -> int:
    """How deeply arrays and objects nest in `document` (a scalar is 0), without recursion."""
    deepest = 0
    pending = [(document, 1)]
    while pending:
        node, level = pending.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in node)
    return deepest


def is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class JsonRoute(APIRoute):
    """A route whose body, when it has one, must be declared JSON (415 otherwise: a browser's
    cross-site `text/plain` form post never reaches a handler) and is parsed by `parse_json`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            request = StrictJsonRequest(request.scope, request.receive)
            if await request.body() and not is_json(request.headers.get("content-type")):
                raise HTTPException(415, "send the body as application/json")
            return await handler(request)

        return strict_handler
