"""Every error the API gives, in one shape: RFC 9457 problem details (`application/problem+json`),
422 naming each offending field. Unexpected failures are logged with their traceback here and
answered 500 without one."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from mediaflow_dagster.api.models import Problem
from mediaflow_dagster.cms.errors import Conflict, Invalid, NotFound, StaleVersion

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("mediaflow.api")


def problem(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any):
    """The problem response for `status`; `extra` members add to the standard ones."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def field_problems(errors: list[dict[str, Any]], tags: frozenset[str] = frozenset()) -> list[dict]:
    """Pydantic's errors as `{field, location, message}`; `tags` (a discriminated union's
    member names) are left out of the field's path."""
    problems = []
    for error in errors:
        location, *path = error["loc"] or ("body",)
        if error["type"] == "json_invalid":
            path, message = [], f"not valid JSON: {error.get('ctx', {}).get('error', '')}"
        else:
            message = error["msg"]
        field = ".".join(str(part) for part in path if part not in tags)
        problems.append({"field": field or str(location), "location": location, "message": message})
    return problems


def invalid(errors: list[dict], tags: frozenset[str] = frozenset(), **extra: Any) -> JSONResponse:
    problems = field_problems(errors, tags)
    named = ", ".join(sorted({entry["field"] for entry in problems}))
    return problem(422, f"invalid request: {named}", errors=problems, **extra)


async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
    return invalid(list(error.errors()))


async def _http(request: Request, error: HTTPException) -> JSONResponse:
    return problem(error.status_code, str(error.detail), headers=error.headers)


async def _not_found(request: Request, error: NotFound) -> JSONResponse:
    return problem(404, str(error))


async def _conflict(request: Request, error: Conflict) -> JSONResponse:
    return problem(409, str(error))


async def _invalid(request: Request, error: Invalid) -> JSONResponse:
    entry = {"field": error.field, "location": "body", "message": str(error)}
    return problem(422, f"invalid request: {error.field}", errors=[entry])


async def _stale(request: Request, error: StaleVersion) -> JSONResponse:
    return problem(412, str(error))


async def _integrity(request: Request, error: IntegrityError) -> JSONResponse:
    """A concurrent request made the same row first (the stores' unique keys decide)."""
    log.info("integrity error on %s %s: %s", request.method, request.url.path, error.orig)
    return problem(409, "the request conflicts with a concurrent change; try again")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(500, "the request failed; nothing was stored")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(StaleVersion, _stale)
    app.add_exception_handler(Invalid, _invalid)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(Exception, _unexpected)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of an operation for the problems it may answer with."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {}},
        }
        for status in statuses
    }


def field_refused(
    field: str, message: str, value: Any, where: str = "body"
) -> RequestValidationError:
    """The 422 naming one field (of the body, or `where` says: "query") that its model accepts
    but the API's rules do not."""
    return RequestValidationError(
        [{"type": "value_error", "loc": (where, field), "msg": message, "input": value}]
    )
