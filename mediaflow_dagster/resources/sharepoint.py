"""SharePoint through Microsoft Graph, signed in with msal client credentials."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import httpx
import msal
from dagster import ConfigurableResource

from mediaflow_dagster.resources.http import send, shared_client

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class GraphSignInFailed(RuntimeError):
    """Microsoft refused the app's credentials; nothing was sent to Graph."""


class GraphRequestFailed(RuntimeError):
    """Graph answered a request with an error."""


@lru_cache(maxsize=4)
def _confidential_app(
    authority: str,
    client_id: str,
    client_secret: str,
    instance_discovery: bool,
    ca_bundle: str | None,
) -> msal.ConfidentialClientApplication:
    """One msal app per process and credentials, so its token cache is shared.

    msal talks through an httpx client trusting exactly what Graph calls trust: requests would
    let a REQUESTS_CA_BUNDLE variable override the CA bundle given in settings.
    """
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=client_secret,
        authority=authority,
        instance_discovery=instance_discovery,
        http_client=shared_client(30, ca_bundle),
    )


class SharePoint(ConfigurableResource):
    authority: str
    client_id: str
    client_secret: str
    instance_discovery: bool = True
    ca_bundle: str | None = None
    graph_base_url: str
    link_type: str = "view"
    link_scope: str = "anonymous"
    timeout_seconds: float = 10.0
    max_attempts: int = 4

    def get_item(self, drive_id: str, item_id: str) -> dict[str, Any]:
        return self._call("GET", f"/drives/{drive_id}/items/{item_id}", idempotent=True).json()

    def create_sharing_link(self, drive_id: str, item_id: str) -> str:
        """The item's sharing link of the configured type and scope (Graph returns the existing
        one when it was made before, so this is safe to repeat)."""
        response = self._call(
            "POST",
            f"/drives/{drive_id}/items/{item_id}/createLink",
            json={"type": self.link_type, "scope": self.link_scope},
            idempotent=True,
        )
        return response.json()["link"]["webUrl"]

    def _access_token(self) -> str:
        try:
            app = _confidential_app(
                self.authority,
                self.client_id,
                self.client_secret,
                self.instance_discovery,
                self.ca_bundle,
            )
            result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        except (ValueError, httpx.HTTPError) as error:
            raise GraphSignInFailed(
                f"cannot reach the Microsoft authority {self.authority}: {error} "
                "(check MEDIAFLOW_MICROSOFT_AUTHORITY and MEDIAFLOW_CA_BUNDLE)"
            ) from error
        if "access_token" not in result:
            raise GraphSignInFailed(
                f"Microsoft refused the client credentials: {result.get('error')}: "
                f"{result.get('error_description')} (check MEDIAFLOW_MICROSOFT_CLIENT_ID and "
                "MEDIAFLOW_MICROSOFT_CLIENT_SECRET)"
            )
        return result["access_token"]

    def _call(self, method: str, path: str, *, idempotent: bool, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._access_token()}", **kwargs.pop("headers", {})}
        url = f"{self.graph_base_url.rstrip('/')}{path}"
        response = send(
            shared_client(self.timeout_seconds, self.ca_bundle),
            lambda c: c.request(method, url, headers=headers, **kwargs),
            max_attempts=self.max_attempts,
            idempotent=idempotent,
        )
        if response.is_error:
            raise GraphRequestFailed(
                f"{method} {path}: HTTP {response.status_code} {response.text}"
            )
        return response
