"""`mediaflow docs` documents the warehouse the settings choose: dbt reads that warehouse's
catalog, whichever backend it is on."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url


@pytest.mark.slow
def test_docs_are_generated_from_the_warehouse_the_settings_choose(settings):
    mediaflow = Path(sys.executable).with_name("mediaflow")

    subprocess.run([mediaflow, "docs", "--no-serve"], check=True, timeout=600)

    target = settings.home / "dbt-docs"
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    expected = (
        "warehouse"
        if settings.backend == "embedded"
        else make_url(settings.postgres_url.get_secret_value()).database
    )
    assert not catalog["errors"]
    manifest = json.loads((target / "manifest.json").read_text())
    mart = manifest["nodes"]["model.mediaflow.campaign_performance__daily"]
    assert mart["database"] == expected
