"""Schemathesis against the API's own OpenAPI document, on every operation, with an admin key,
with data the document allows and data it forbids: no answer is a server error the document does
not state, and every answer matches what the document says of it (status code, content type,
schema, headers).

Nothing is excluded: onboarding asks the sandbox's Make for connections. The callbacks and the
OAuth landing get no valid signature or state from generated data, so what they show here is
their refusals (401, 403, 422) matching the document; their success paths are tested with signed
deliveries in test_callbacks.py and test_access.py. `/health` takes no input, so it has no
invalid data to be sent: it is called with valid data only. (Schemathesis's pytest plugin does
not load under pytest 9: the operations are run through its Python API instead.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from schemathesis import GenerationMode, checks
from support.api import key_headers

from mediaflow_dagster.api.app import create_app
from mediaflow_sandbox.processes import free_local_ports
from mediaflow_sandbox.settings import SandboxSettings


@schemathesis.check
def no_undocumented_server_error(ctx, response, case) -> None:
    """Never a 500, and another 5xx only where the document says the operation answers it (the
    analytics' 503 until a first warehouse build, which the fuzzing never runs)."""
    status = response.status_code
    documented = case.operation.definition.raw.get("responses", {})
    if status == 500 or (status > 500 and str(status) not in documented):
        raise AssertionError(f"{case.operation.label} answered {status}: {response.text[:300]}")


CHECKS = [
    no_undocumented_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def sandbox_settings(tmp_path_factory: pytest.TempPathFactory) -> SandboxSettings:
    """The shared sandbox's, with a Make API that takes every onboarding the fuzzing asks for
    at once (its real rate limit would have the client wait out 429s)."""
    port, tls_port = free_local_ports(2)
    return SandboxSettings(
        home=tmp_path_factory.mktemp("sandbox-home"),
        port=port,
        tls_port=tls_port,
        make_api_rate_limit_per_minute=1_000_000,
    )


def failures_of(operation, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @examples(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        call()
    except Exception as failure:  # schemathesis reports every failed check in one error
        return f"{operation.label} ({mode.value}): {failure}"
    return None


def takes_input(operation) -> bool:
    return bool(list(operation.iter_parameters())) or bool(
        operation.definition.raw.get("requestBody")
    )


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_fails_or_breaks_its_own_description(sandbox, aimed, mode):
    app = create_app(aimed)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = key_headers(aimed, "admin")
    operations = [result.ok() for result in schema.get_all_operations()]

    failures = [
        failures_of(operation, mode, headers)
        for operation in operations
        if mode is GenerationMode.POSITIVE or takes_input(operation)
    ]

    documented = sum(len(methods) for methods in app.openapi()["paths"].values())
    assert len(operations) == documented
    assert [failure for failure in failures if failure] == []
