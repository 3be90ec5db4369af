"""benchmarks/explainer_predict.py runs end to end on the built site (nothing is timed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_reports_both_medians(site_dir, chromium):
    # chromium: only to skip (or fail on CI) where the browser is missing.
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "explainer_predict.py"), "--site",
         str(site_dir), "--images", "3", "--repeats", "3", "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["repeats"] == 3
    for key in ("browser_ms", "python_eager_ms", "python_tf_function_ms"):
        assert result[key] > 0, key
    assert result["browser_over_python_eager"] == result["browser_ms"] / result["python_eager_ms"]


def test_benchmark_needs_a_built_site(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "explainer_predict.py"), "--site",
         str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 2
    assert "has no assets/model/model.json" in done.stderr
