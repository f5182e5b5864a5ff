"""Request → content ready for an image, through a real n8n on loopback: the shipped
process-image workflow downloads the source picture from SharePoint (sandbox), makes the master
and two platform renditions with ImageMagick, stores them through Graph and sends the signed
callback. Prints p50, p95 and max over the requests, sent one at a time."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.n8n_api import N8nApi
from mediaflow_dagster.resources.sharepoint import SharePoint
from mediaflow_sandbox.content import jpeg_image
from mediaflow_sandbox.control import client_environment, running_sandbox
from mediaflow_sandbox.n8n_server import CallbackReceiver, running_n8n
from mediaflow_sandbox.processes import free_local_ports
from mediaflow_sandbox.settings import SandboxSettings

RENDITIONS = [
    {"platform": "instagram", "width": 1080, "height": 1350, "max_bytes": 8_000_000},
    {"platform": "facebook", "width": 1200, "height": 630, "max_bytes": 4_000_000},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mediaflow-bench-") as folder:
        home = Path(folder)
        port, tls_port = free_local_ports(2)
        sandbox = SandboxSettings(home=home / "sandbox", port=port, tls_port=tls_port)
        environment = client_environment(sandbox)
        receiver = CallbackReceiver(sandbox.credentials().n8n_callback_secret)
        with (
            running_sandbox(sandbox, log_path=home / "sandbox.log"),
            running_n8n(environment, home / "n8n") as n8n,
        ):
            N8nApi(n8n_api_url=n8n.api_url, n8n_api_key=n8n.api_key).deploy()
            source = _source_picture(sandbox, home)
            latencies = []
            for object_id in range(1, args.requests + 1):
                started = time.monotonic()
                answer = httpx.post(
                    f"{n8n.webhook_base_url}/process-image",
                    json={
                        "object_id": object_id,
                        "object_type": "image",
                        "request_id": uuid.uuid4().hex,
                        "sources": [source],
                        "config": {"renditions": RENDITIONS, "watermark": "mediaflow"},
                        "callback_url": receiver.url,
                    },
                    timeout=30,
                )
                answer.raise_for_status()
                _, event = receiver.wait_for(object_id)
                if event["type"] != "content.ready":
                    raise SystemExit(f"object {object_id} failed: {event.get('error')}")
                latencies.append(receiver.arrivals[object_id] - started)
        receiver.close()
    quantiles = statistics.quantiles(latencies, n=20, method="inclusive")
    print(
        f"request → content ready, image with 2 renditions, real n8n 1.123 on loopback, "
        f"{len(latencies)} requests: p50 {statistics.median(latencies):.2f} s, "
        f"p95 {quantiles[18]:.2f} s, max {max(latencies):.2f} s"
    )


def _source_picture(sandbox: SandboxSettings, home: Path) -> str:
    sharepoint = client_from_environment(SharePoint, client_environment(sandbox))
    picture = home / "source.jpg"
    picture.write_bytes(jpeg_image(b"\x30\x70\xb0", 2400, 1600))
    item = sharepoint.upload("sources/source.jpg", picture)
    return sharepoint.create_sharing_link(sandbox.sharepoint_drive_id, item["id"])


if __name__ == "__main__":
    main()
