"""Calling external services over HTTP: bounded retries with backoff and jitter (tenacity),
honouring 429 + Retry-After, and never repeating a request whose outcome is unknown."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from functools import lru_cache

import httpx
from dagster import ConfigurableResource
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

RETRYABLE_STATUSES = {429, 500, 502, 503, 504}


class HttpResource(ConfigurableResource):
    """A resource calling a service over HTTP: how long to wait for an answer, how often to try."""

    http_timeout_seconds: float = 10.0
    http_max_attempts: int = 4


class ServiceUnavailable(RuntimeError):
    """The service kept failing (or refusing with 429/5xx) after every attempt."""


class OutcomeUnknown(RuntimeError):
    """The request may have reached the service but no answer came back: never resend blindly."""


class TransientResponse(Exception):
    def __init__(self, response: httpx.Response):
        super().__init__(
            f"{response.request.method} {response.request.url} -> {response.status_code}"
        )
        self.response = response


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, TransientResponse):
        retry_after = error.response.headers.get("Retry-After", "")
        if retry_after.isdigit():
            return float(retry_after)
    return wait_random_exponential(multiplier=0.2, max=5)(state)


def send(
    client: httpx.Client,
    request: Callable[[httpx.Client], httpx.Response],
    *,
    max_attempts: int,
    idempotent: bool,
) -> httpx.Response:
    """Run `request` until it answers with anything but 429/5xx, at most `max_attempts` times.

    Failing to connect is always safe to retry: nothing was sent. A transport failure after
    sending (a read timeout, a dropped connection) is retried only for idempotent requests;
    otherwise it raises `OutcomeUnknown`, for the caller to reconcile.
    """

    def is_transient(error: BaseException) -> bool:
        if isinstance(error, TransientResponse | httpx.ConnectError | httpx.ConnectTimeout):
            return True
        return idempotent and isinstance(error, httpx.TransportError)

    @retry(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(max_attempts),
        wait=_wait,
        reraise=True,
    )
    def attempt() -> httpx.Response:
        response = request(client)
        if response.status_code in RETRYABLE_STATUSES:
            raise TransientResponse(response)
        return response

    try:
        return attempt()
    except TransientResponse as error:
        raise ServiceUnavailable(f"{error} after {max_attempts} attempts") from error
    except (httpx.ConnectError, httpx.ConnectTimeout) as error:
        raise ServiceUnavailable(f"unreachable after {max_attempts} attempts: {error}") from error
    except httpx.TransportError as error:
        if idempotent:
            raise ServiceUnavailable(f"failed after {max_attempts} attempts: {error}") from error
        raise OutcomeUnknown(f"sent, but no answer came back: {error!r}") from error


@lru_cache(maxsize=8)
def shared_client(timeout_seconds: float, ca_bundle: str | None = None) -> httpx.Client:
    """One pooled client per timeout, trust and process (thread-safe): a new client per request
    costs a TLS context each, which caps a dispatcher at a few dozen requests a second."""
    return httpx.Client(timeout=timeout_seconds, verify=tls_context(ca_bundle))


def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The system's trusted authorities plus, when given, the PEM bundle of extra ones (a
    corporate proxy's)."""
    context = ssl.create_default_context()
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


def post_json(
    url: str,
    body: dict,
    *,
    timeout_seconds: float,
    max_attempts: int,
    idempotent: bool = False,
) -> httpx.Response:
    """POST a JSON body to a webhook; unless said `idempotent`, never resent blindly (`send`)."""
    return send(
        shared_client(timeout_seconds),
        lambda c: c.post(url, json=body),
        max_attempts=max_attempts,
        idempotent=idempotent,
    )
