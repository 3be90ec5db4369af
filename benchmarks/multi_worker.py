"""Multi-worker training on this machine: equality with one process, and steps per second.

Two measurements, each with ``cnn-tutorial train`` in fresh processes on the
loopback interface (``cnn_tutorial.distributed.run_local_workers``):

* ``equality``: two workers with ``--batch-size 128`` (64 images per worker
  and step) against one process with batch 128, same seed, ``--steps`` steps
  (an epoch of ``steps * 128`` images, constant learning rate 0.001). Dropout
  draws differ between any two runs, so a second single-process run gives the
  run-to-run spread to read the difference against. Written: the largest and
  the mean absolute difference of the loss curves (means over each 10 steps)
  and the test accuracies (all 10,000 test images).
* ``speed``: global steps per second of the second of two epochs (the first
  includes tracing) for one process (default strategy), one multi-worker
  worker and two workers, the same global batch 128, repeats interleaved, the
  median. On a 2-core machine two workers share the cores: the ratio measures
  the protocol's overhead, not a speed-up.

Run:  CNN_TUTORIAL_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/multi_worker.py \
          --json benchmarks/results/multi_worker.json
Options: ``--only equality`` or ``--only speed``, ``--steps``, ``--repeats``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cnn_tutorial.distributed import run_local_workers


def _single(arguments: list[str], timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnn_tutorial", "train", *arguments],
                          capture_output=True, text=True, timeout=timeout, check=False)


def _summary(process: subprocess.CompletedProcess) -> dict:
    if process.returncode != 0:
        raise RuntimeError(f"exit {process.returncode}: {process.stderr.strip()[-800:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def equality(steps: int) -> dict:
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        common = ["--limit", str(steps * 128), "--batch-size", "128", "--epochs", "1",
                  "--lr-schedule", "constant", "--seed", "0", "--no-progress", "--json"]
        for name in ("single", "two_workers", "single_again"):
            history = Path(folder) / f"{name}.json"
            arguments = [*common, "--history", str(history)]
            started = time.perf_counter()
            if name == "two_workers":
                summary = _summary(run_local_workers(arguments, 2, timeout=1800)[0])
            else:
                summary = _summary(_single(arguments))
            runs[name] = {"history": json.loads(history.read_text()),
                          "test_accuracy": summary["test_accuracy"], "step": summary["step"],
                          "wall_seconds": round(time.perf_counter() - started, 1)}
            print(name, runs[name]["step"], runs[name]["test_accuracy"], flush=True)

    def differences(a: str, b: str) -> dict:
        la, lb = runs[a]["history"]["loss"], runs[b]["history"]["loss"]
        gaps = [abs(x - y) for x, y in zip(la, lb)]
        return {"max_loss_difference": max(gaps), "mean_loss_difference": statistics.mean(gaps),
                "accuracy_difference_points":
                    100 * abs(runs[a]["test_accuracy"] - runs[b]["test_accuracy"])}

    return {"steps": steps, "runs": runs,
            "two_workers_vs_single": differences("two_workers", "single"),
            "single_vs_single_again": differences("single_again", "single")}


def speed(repeats: int, limit: int) -> dict:
    common = ["--limit", str(limit), "--batch-size", "128", "--epochs", "2", "--seed", "0",
              "--no-progress", "--json"]
    steps = -(-limit // 128)
    figures: dict[str, list[float]] = {"one_process": [], "one_worker": [], "two_workers": []}
    for _ in range(repeats):
        for name in figures:
            if name == "one_process":
                summary = _summary(_single(common))
            else:
                summary = _summary(run_local_workers(common, 1 if name == "one_worker" else 2,
                                                     timeout=1800)[0])
            seconds = summary["epochs"][-1]["seconds"]
            figures[name].append(steps / seconds)
            print(name, round(steps / seconds, 2), "steps/s", flush=True)
    medians = {name: statistics.median(values) for name, values in figures.items()}
    return {"global_batch": 128, "steps_per_epoch": steps, "repeats": repeats,
            "steps_per_second": figures, "median_steps_per_second": medians,
            "two_workers_over_one_worker": medians["two_workers"] / medians["one_worker"],
            "one_worker_over_one_process": medians["one_worker"] / medians["one_process"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("equality", "speed"), default=None)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--speed-limit", type=int, default=6400,
                        help="training images per epoch of the speed runs")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    result = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform()}}
    if args.only in (None, "equality"):
        result["equality"] = equality(args.steps)
    if args.only in (None, "speed"):
        result["speed"] = speed(args.repeats, args.speed_limit)
    text = json.dumps(result, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(json.dumps({key: value for key, value in result.get("equality", {}).items()
                      if key != "runs"}, indent=1))
    print(json.dumps(result.get("speed", {}), indent=1))


if __name__ == "__main__":
    main()
