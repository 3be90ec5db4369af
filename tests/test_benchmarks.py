"""benchmarks/training_speed.py runs end to end (on a tiny synthetic MNIST; nothing is timed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write_idx_folder

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_training_speed_quick_run_writes_every_configuration(tmp_path):
    write_idx_folder(tmp_path, train=2048, test=64)
    output = tmp_path / "speed.json"
    wanted = ["package_default", "package_tf_gradients", "package_keras_adam"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "training_speed.py"), "--quick",
         "--only", ",".join(wanted), "--threads", "", "--cli-images", "0",
         "--json", str(output)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
        env={**os.environ, "CNN_TUTORIAL_DATA_DIR": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {row["name"]: row for row in json.loads(output.read_text())["rows"]}
    assert set(rows) == {"keras_fit_defaults_b32", *wanted}  # Keras' defaults: the baseline
    for row in rows.values():
        assert row["median_images_per_second"] > 0 and len(row["runs"]) == 1
    assert rows["keras_fit_defaults_b32"]["ratio_to_keras_defaults"] == 1.0
    assert "package_tf_gradients" in done.stdout and "% peak" in done.stdout
