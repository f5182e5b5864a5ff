"""The code location loads the way `dg dev` and `dg check defs` load it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_dg_checks_the_definitions_without_a_warning():
    dg = Path(sys.executable).with_name("dg")
    result = subprocess.run(
        [dg, "check", "defs"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower()
