"""The Microsoft identity platform over TLS (msal, trusting the sandbox CA) and Graph drives."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import msal
import pytest

from mediaflow_sandbox.control import (
    SandboxControl,
    client_environment,
)
from mediaflow_sandbox.settings import SandboxSettings

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


def confidential_app(sandbox: SandboxSettings, secret: str) -> msal.ConfidentialClientApplication:
    """An msal app trusting the sandbox CA (through httpx, which no REQUESTS_CA_BUNDLE bends)."""
    environment = client_environment(sandbox)
    trusting_the_sandbox = ssl.create_default_context(cafile=environment["MEDIAFLOW_CA_BUNDLE"])
    return msal.ConfidentialClientApplication(
        sandbox.microsoft_client_id,
        client_credential=secret,
        authority=environment["MEDIAFLOW_MICROSOFT_AUTHORITY"],
        instance_discovery=False,
        http_client=httpx.Client(verify=trusting_the_sandbox),
    )


@pytest.fixture(scope="module")
def graph(sandbox: SandboxControl, sandbox_settings: SandboxSettings) -> Iterator[httpx.Client]:
    app = confidential_app(sandbox_settings, sandbox_settings.credentials().microsoft_client_secret)
    token = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])["access_token"]
    drive = sandbox_settings.sharepoint_drive_id
    base_url = client_environment(sandbox_settings)["MEDIAFLOW_GRAPH_BASE_URL"]
    with httpx.Client(
        base_url=f"{base_url}/drives/{drive}", headers={"Authorization": f"Bearer {token}"}
    ) as client:
        yield client


@pytest.mark.usefixtures("sandbox")
def test_msal_gets_a_token_over_tls_trusting_the_sandbox_ca(
    sandbox_settings: SandboxSettings,
) -> None:
    app = confidential_app(sandbox_settings, sandbox_settings.credentials().microsoft_client_secret)

    result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])

    assert result["token_type"] == "Bearer"
    assert result["expires_in"] == 3599
    assert result["access_token"]


@pytest.mark.usefixtures("sandbox")
def test_a_wrong_client_secret_is_refused_as_entra_id_refuses_it(
    sandbox_settings: SandboxSettings,
) -> None:
    result = confidential_app(sandbox_settings, "not-the-secret").acquire_token_for_client(
        scopes=[GRAPH_SCOPE]
    )

    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret")
    assert result["error_codes"] == [7000215]


@pytest.mark.usefixtures("sandbox")
def test_the_server_certificate_names_localhost_and_127_0_0_1(
    sandbox_settings: SandboxSettings,
) -> None:
    ca = Path(client_environment(sandbox_settings)["MEDIAFLOW_CA_BUNDLE"])
    trusting_the_sandbox = ssl.create_default_context(cafile=str(ca))
    for host in ("127.0.0.1", "localhost"):
        url = f"https://{host}:{sandbox_settings.tls_port}/_sandbox/health"
        assert httpx.get(url, verify=trusting_the_sandbox).json() == {"status": "ok"}


@pytest.mark.usefixtures("sandbox")
def test_the_tenant_discovery_document_names_endpoints_under_the_authority(
    sandbox_settings: SandboxSettings,
) -> None:
    authority = client_environment(sandbox_settings)["MEDIAFLOW_MICROSOFT_AUTHORITY"]
    ca = client_environment(sandbox_settings)["MEDIAFLOW_CA_BUNDLE"]
    context = ssl.create_default_context(cafile=ca)

    document = httpx.get(
        f"{authority}/v2.0/.well-known/openid-configuration", verify=context
    ).json()

    assert document["issuer"] == f"{authority}/v2.0"
    assert document["token_endpoint"] == f"{authority}/oauth2/v2.0/token"
    assert document["authorization_endpoint"] == f"{authority}/oauth2/v2.0/authorize"


def test_graph_upload_get_and_one_sharing_link(graph: httpx.Client) -> None:
    uploaded = graph.put("/root:/campaigns/7/poster.png:/content", content=b"first")
    replaced = graph.put("/root:/campaigns/7/poster.png:/content", content=b"second")
    item_id = uploaded.json()["id"]

    fetched = graph.get(f"/items/{item_id}").json()
    first = graph.post(f"/items/{item_id}/createLink", json={"type": "view", "scope": "anonymous"})
    again = graph.post(f"/items/{item_id}/createLink", json={"type": "view", "scope": "anonymous"})

    assert (uploaded.status_code, replaced.status_code) == (201, 200)
    assert replaced.json()["id"] == item_id
    assert fetched["name"] == "poster.png"
    assert fetched["size"] == len(b"second")
    assert fetched["file"]["mimeType"] == "image/png"
    assert fetched["parentReference"]["path"].endswith("root:/campaigns/7")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["roles"] == ["read"]
    link = first.json()["link"]
    assert (link["type"], link["scope"]) == ("view", "anonymous")
    assert httpx.get(link["webUrl"]).content == b"second"


def test_graph_content_redirects_to_a_download_url(graph: httpx.Client) -> None:
    item_id = graph.put("/root:/notes/brief.txt:/content", content=b"brief").json()["id"]

    answer = graph.get(f"/items/{item_id}/content")

    assert answer.status_code == 302
    assert httpx.get(answer.headers["location"]).content == b"brief"


def test_graph_answers_unknown_items_with_item_not_found(graph: httpx.Client) -> None:
    answer = graph.get("/items/01NOSUCHITEM")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "itemNotFound"


@pytest.mark.usefixtures("sandbox")
def test_graph_refuses_requests_without_a_valid_token(sandbox_settings: SandboxSettings) -> None:
    base_url = client_environment(sandbox_settings)["MEDIAFLOW_GRAPH_BASE_URL"]
    item_url = f"{base_url}/drives/{sandbox_settings.sharepoint_drive_id}/items/anything"

    for headers in ({}, {"Authorization": "Bearer made-up"}):
        answer = httpx.get(item_url, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
