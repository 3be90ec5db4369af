"""Any folder of tests can be run by its path, alone or with the others."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


FOLDERS = ["tests/playground", "tests/explainer", "tests/trainer"]  # each has a conftest.py


def test_folders_with_their_own_conftest_collect_together_by_path():
    # Two conftest.py files once clashed as one module name under --doctest-modules
    # (tests/playground and tests/explainer are packages since).
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *FOLDERS],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert all(f"{folder}/" in result.stdout for folder in FOLDERS), result.stdout[-2000:]
