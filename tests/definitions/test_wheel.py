"""The product's wheel holds the product: no stand-in for an external service, no demo."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from mediaflow_dagster.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = (
    ".git",
    ".venv*",
    ".mediaflow",
    "node_modules",
    "target",
    "__pycache__",
    "*.egg-info",
    "test-artifacts",
)


def test_the_wheel_holds_mediaflow_dagster_and_nothing_of_the_sandbox(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("mediaflow-*.whl")
    files = zipfile.ZipFile(wheel).namelist()

    packages = {name.split("/")[0] for name in files}
    assert packages == {"mediaflow_dagster", wheel.name.split("-py3")[0] + ".dist-info"}
    assert not [name for name in files if "sandbox" in name or "demo" in name]
    assert "mediaflow_dagster/definitions.py" in files
    assert "mediaflow_dagster/n8n_workflows/mediaflow-deliver.json" in files
    assert "mediaflow_dagster/cms/migrations/versions/0001_initial_schema.py" in files


def test_the_product_has_no_sandbox_setting():
    assert not [name for name in Settings.model_fields if name.startswith("sandbox")]
