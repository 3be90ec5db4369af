#!/usr/bin/env python3
"""How long the test commands take: wall time, outcomes, and where the time goes.

Runs pytest exactly as ``dev.py test`` (or ``dev.py test --fast``) does, with a
small plugin that sums each test's setup + call + teardown time by what it
needs (``browser``, else ``site``, else ``slow``, else fast) and by file, and
prints the counts of each outcome, so that a change of speed can be told from
a change in what ran. A wall-clock time is only comparable with another one
measured on the same machine in the same hour.

    .venv/bin/python benchmarks/test_times.py            # the README's command
    .venv/bin/python benchmarks/test_times.py --fast     # dev.py test --fast
    .venv/bin/python benchmarks/test_times.py --serial   # the same, one process (-n 0)

Extra arguments after ``--`` go to pytest. ``--json FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("browser", "site", "slow", "fast")
_REPORT_ENV = "CNN_TUTORIAL_TEST_TIMES"


# -- the plugin (loaded into pytest with -p test_times) ---------------------------

_seconds: dict[str, float] = defaultdict(float)
_files: dict[str, float] = defaultdict(float)
_outcomes: Counter = Counter()


def _category(keywords) -> str:
    return next((name for name in CATEGORIES[:3] if name in keywords), "fast")


def pytest_runtest_logreport(report) -> None:
    _seconds[_category(report.keywords)] += report.duration
    _files[report.nodeid.split("::")[0]] += report.duration
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcome = "xfailed" if hasattr(report, "wasxfail") and report.skipped else report.outcome
        _outcomes["xpassed" if hasattr(report, "wasxfail") and report.passed else outcome] += 1
    elif report.when == "teardown" and report.failed:
        _outcomes["error"] += 1


def pytest_sessionfinish(session) -> None:
    target = os.environ.get(_REPORT_ENV)
    if target and not hasattr(session.config, "workerinput"):  # the controller only
        Path(target).write_text(json.dumps({
            "outcomes": dict(_outcomes), "seconds_by_category": dict(_seconds),
            "seconds_by_file": dict(sorted(_files.items(), key=lambda kv: -kv[1]))}))


# -- the script -------------------------------------------------------------------

def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="what dev.py test --fast runs")
    parser.add_argument("--serial", action="store_true", help="one process (-n 0)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("pytest_args", nargs="*", help="after --: more pytest arguments")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    import dev  # the same arguments as the README's command

    command = [sys.executable, "-m", "pytest", "-p", "test_times", *dev.PARALLEL,
               *(["-m", dev.FAST_MARKERS] if args.fast else []),
               *(["-n", "0"] if args.serial else []), "-q", *args.pytest_args]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        env = dict(os.environ, **{_REPORT_ENV: str(report)})
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "benchmarks"),
                                                          env.get("PYTHONPATH")]))
        start = time.perf_counter()
        status = subprocess.call(command, cwd=ROOT, env=env)
        wall = time.perf_counter() - start
        if not report.is_file():
            print(f"test_times: pytest wrote no report (exit status {status})", file=sys.stderr)
            return status or 1
        figures = json.loads(report.read_text())
    figures.update(command=" ".join(command[1:]), wall_seconds=round(wall, 1),
                   exit_status=status, cpu_count=os.cpu_count())
    print(f"\nwall {wall:.1f} s on {os.cpu_count()} cores, exit status {status}")
    print("outcomes: " + ", ".join(f"{n} {k}" for k, n in sorted(figures["outcomes"].items())))
    print("test time by what the tests need (summed over workers):")
    for name in CATEGORIES:
        print(f"  {name:8} {figures['seconds_by_category'].get(name, 0.0):8.1f} s")
    print("slowest files:")
    for name, seconds in list(figures["seconds_by_file"].items())[:12]:
        print(f"  {seconds:8.1f} s  {name}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
