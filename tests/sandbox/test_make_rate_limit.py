"""The Make API's rate limit: a module of its own, so that its sandbox counts only these calls."""

from __future__ import annotations

import httpx

from mediaflow_sandbox.control import SandboxControl, client_environment
from mediaflow_sandbox.settings import SandboxSettings

CALLS_PER_MINUTE = 60


def test_the_call_over_the_limit_is_told_when_to_retry(
    sandbox: SandboxControl, sandbox_settings: SandboxSettings
) -> None:
    with httpx.Client(
        base_url=client_environment(sandbox_settings)["MEDIAFLOW_MAKE_API_URL"],
        headers={"Authorization": f"Token {sandbox_settings.credentials().make_api_token}"},
    ) as make:
        within = [make.get("/hooks/1").status_code for _ in range(CALLS_PER_MINUTE)]
        over = make.get("/hooks/1")

    assert set(within) == {404}
    assert over.status_code == 429
    assert over.json()["code"] == "SC429"
    assert 1 <= int(over.headers["retry-after"]) <= 60
