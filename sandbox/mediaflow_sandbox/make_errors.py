"""Make API errors in Make's own shape: `detail`, `message`, `code`, and a 400's `suberrors`."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import JSONResponse

MESSAGES = {
    HTTPStatus.UNAUTHORIZED: "Access denied",
    HTTPStatus.FORBIDDEN: "Permission denied",
}


def make_error(
    status: HTTPStatus,
    detail: str,
    *,
    code: str | None = None,
    suberrors: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """`code` defaults to Make's `SC<status>`; each sub-error is one reason a request failed."""
    body: dict[str, object] = {
        "detail": detail,
        "message": MESSAGES.get(status, status.phrase),
        "code": code or f"SC{status.value}",
    }
    if suberrors:
        body["suberrors"] = [{"message": reason} for reason in suberrors]
    return JSONResponse(body, status_code=status.value, headers=headers)
