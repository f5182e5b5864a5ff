"""The n8n workflows mediaflow ships (importable n8n 1.x JSON): one per kind of content,
`mediaflow-deliver`, the sub-workflow they share to store results in SharePoint and call back,
and `collect-insights`, which reads posts' insights with n8n's own credentials and posts them,
signed, to `/api/analytics`.

A workflow names the sub-workflow it calls by name; deploying resolves the name to the id the
n8n instance gave it. The workflows read their settings from n8n's environment: the variables of
`WORKFLOW_VARIABLES`, with n8n configured as `N8N_RUNTIME` says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WORKFLOW_DIRECTORY = Path(__file__).parent
DELIVERY_WORKFLOW = "mediaflow-deliver"
GENERATION_WORKFLOWS = ("process-image", "generate-video", "generate-text", "generate-audio")
INSIGHTS_WORKFLOWS = ("collect-insights",)
SUB_WORKFLOW_NODE_TYPE = "n8n-nodes-base.executeWorkflow"
WORKFLOW_VARIABLES = (
    "MEDIAFLOW_N8N_CALLBACK_SECRET",
    "MEDIAFLOW_MICROSOFT_AUTHORITY",
    "MEDIAFLOW_MICROSOFT_CLIENT_ID",
    "MEDIAFLOW_MICROSOFT_CLIENT_SECRET",
    "MEDIAFLOW_GRAPH_BASE_URL",
    "MEDIAFLOW_SHAREPOINT_DRIVE_ID",
    "MEDIAFLOW_MODEL_API_URL",
    "MEDIAFLOW_MODEL_API_KEY",
)
"""What the shipped workflows read from n8n's environment, besides `MEDIAFLOW_N8N_WORK_DIR` (a
folder for intermediate files) and, behind a corporate proxy, `NODE_EXTRA_CA_CERTS`."""
INSIGHTS_WORKFLOW_VARIABLES = (
    "MEDIAFLOW_FACEBOOK_GRAPH_URL",
    "MEDIAFLOW_N8N_FACEBOOK_ACCESS_TOKEN",
)
"""What `collect-insights` reads besides the callback secret: where Graph is, and n8n's own page
token (a Meta system user's token reading every page of the business), set in n8n only."""
N8N_RUNTIME = {
    "N8N_BLOCK_ENV_ACCESS_IN_NODE": "false",
    "NODE_FUNCTION_ALLOW_BUILTIN": "crypto,fs,path,child_process",
    "N8N_DEFAULT_BINARY_DATA_MODE": "filesystem",
}
"""How n8n must run for the workflows: their code nodes read the environment, sign callbacks
(crypto), and run ffmpeg and ImageMagick on files."""


def shipped_workflow(name: str) -> dict[str, Any]:
    return json.loads((WORKFLOW_DIRECTORY / f"{name}.json").read_text())


def shipped_workflows() -> list[dict[str, Any]]:
    """Every shipped workflow, the ones others call first."""
    return [
        shipped_workflow(name)
        for name in (DELIVERY_WORKFLOW, *GENERATION_WORKFLOWS, *INSIGHTS_WORKFLOWS)
    ]


def with_sub_workflow_ids(workflow: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """`workflow` with each sub-workflow it calls by name pointed at that workflow's id."""
    nodes = []
    for node in workflow["nodes"]:
        if node["type"] == SUB_WORKFLOW_NODE_TYPE:
            called = node["parameters"]["workflowId"]
            if called not in ids:
                raise LookupError(f"{workflow['name']} calls {called}, which is not deployed")
            node = {**node, "parameters": {**node["parameters"], "workflowId": ids[called]}}
        nodes.append(node)
    return {**workflow, "nodes": nodes}
