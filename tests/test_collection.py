"""Any folder of tests can be run by its path, alone or with the others."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_folders_with_their_own_conftest_collect_together_by_path():
    # Two conftest.py files once clashed as one module name under --doctest-modules.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/playground",
         "tests/explainer"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "tests/playground/" in result.stdout and "tests/explainer/" in result.stdout
