"""n8n's public API (`X-N8N-API-KEY`): deploying the shipped workflows and looking after the
executions they run."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from mediaflow_dagster.n8n_workflows import shipped_workflows, with_sub_workflow_ids
from mediaflow_dagster.resources.http import HttpResource, send, shared_client

WORKFLOW_FIELDS = ("name", "nodes", "connections", "settings")
PUBLIC_WORKFLOW_SETTINGS = (
    "executionOrder",
    "saveManualExecutions",
    "saveDataErrorExecution",
    "saveDataSuccessExecution",
)
SUB_WORKFLOW_TRIGGER_TYPE = "n8n-nodes-base.executeWorkflowTrigger"
UNFINISHED_STATUSES = frozenset({"new", "running", "waiting"})
RETRIABLE_STATUSES = frozenset({"error", "crashed", "canceled"})


class N8nApiError(RuntimeError):
    """n8n's API refused a request."""


class N8nApi(HttpResource):
    secrets: ClassVar[tuple[str, ...]] = ("n8n_api_key",)

    n8n_api_url: str = Field(
        default="http://127.0.0.1:5678/api/v1",
        description="n8n's public API: deploying the shipped workflows, retrying executions.",
    )
    n8n_api_key: str = Field(description="An n8n API key (secret).")

    def deploy(self) -> dict[str, str]:
        """Create or update every shipped workflow by name and activate it; their ids by name."""
        deployed = {workflow["name"]: workflow["id"] for workflow in self._all_workflows()}
        ids: dict[str, str] = {}
        for shipped in shipped_workflows():
            workflow = with_sub_workflow_ids(shipped, ids)
            body = {field: workflow[field] for field in WORKFLOW_FIELDS}
            body["settings"] = {
                key: value
                for key, value in workflow["settings"].items()
                if key in PUBLIC_WORKFLOW_SETTINGS
            }
            name = workflow["name"]
            if name in deployed:
                self._call("PUT", f"/workflows/{deployed[name]}", json=body)
                ids[name] = deployed[name]
            else:
                ids[name] = self._call("POST", "/workflows", json=body)["id"]
            if not _called_by_other_workflows_only(workflow):
                self._call("POST", f"/workflows/{ids[name]}/activate")
        return ids

    def check(self) -> None:
        """Raises unless n8n's API answers with the key (one workflow listed, at most)."""
        self._call("GET", "/workflows", params={"limit": 1})

    def execution(self, execution_id: str) -> dict[str, Any] | None:
        """The execution, or None when n8n no longer has it (pruned, or never saved)."""
        return self._call("GET", f"/executions/{execution_id}", missing_ok=True)

    def retry(self, execution_id: str) -> dict[str, Any]:
        """Run the execution again from the node that failed; the new execution."""
        return self._call("POST", f"/executions/{execution_id}/retry", json={"loadWorkflow": False})

    def _all_workflows(self) -> list[dict[str, Any]]:
        workflows, cursor = [], None
        while True:
            page = self._call(
                "GET", "/workflows", params={"limit": 250, **({"cursor": cursor} if cursor else {})}
            )
            workflows += page["data"]
            cursor = page.get("nextCursor")
            if not cursor:
                return workflows

    def _call(self, method: str, path: str, *, missing_ok: bool = False, **kwargs: Any) -> Any:
        url = f"{self.n8n_api_url.rstrip('/')}{path}"
        headers = {"X-N8N-API-KEY": self.n8n_api_key, "Accept": "application/json"}
        response = send(
            shared_client(self.http_timeout_seconds, None),
            lambda client: client.request(method, url, headers=headers, **kwargs),
            max_attempts=self.http_max_attempts,
            idempotent=method in ("GET", "PUT"),
        )
        if missing_ok and response.status_code == 404:
            return None
        if response.status_code == 401:
            raise N8nApiError(f"n8n refused the API key (check MEDIAFLOW_N8N_API_KEY): {url}")
        if response.is_error:
            raise N8nApiError(f"{method} {url}: HTTP {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None


def _called_by_other_workflows_only(workflow: dict[str, Any]) -> bool:
    """A sub-workflow has no trigger of its own, and n8n refuses to activate it."""
    return any(node["type"] == SUB_WORKFLOW_TRIGGER_TYPE for node in workflow["nodes"])
