"""The one site build of a test run, shared by the pytest-xdist workers.

``tests/conftest.py``'s ``site_build`` fixture calls ``build_site`` (without
xdist) or ``shared_site_build`` (with it: the first worker that needs the site
builds it under a file lock, the others read its outcome), and its collection
hook calls ``run_site_files_last``, so that with ``-n 2`` both
workers have other files to run before one of them starts the build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = [sys.executable, "-m", "mkdocs"]


@dataclass(frozen=True)
class SiteBuild:
    """The outcome of one ``mkdocs build --strict``."""

    site_dir: Path
    log: str
    returncode: int


def build_site(folder: Path) -> SiteBuild:
    """``mkdocs build --strict`` of this repository into ``folder``."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # With a repository the chapters get their edit/report/Colab links and install cell.
    env.setdefault("SITE_REPO_URL", "https://github.com/cnn-tutorial/cnn-tutorial")
    result = subprocess.run(
        [*MKDOCS, "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return SiteBuild(folder, result.stdout + result.stderr, result.returncode)


def shared_site_build(shared: Path, build: Callable[[Path], SiteBuild]) -> SiteBuild:
    """``build(shared / "site")`` by the first caller; later callers read its outcome."""
    from filelock import FileLock

    outcome = shared / "site-build.json"
    with FileLock(shared / "site-build.lock"):
        if not outcome.is_file():
            done = build(shared / "site")
            outcome.write_text(json.dumps({"log": done.log, "returncode": done.returncode}),
                               encoding="utf-8")
        saved = json.loads(outcome.read_text(encoding="utf-8"))
    return SiteBuild(shared / "site", saved["log"], saved["returncode"])


def run_site_files_last(items: list) -> None:
    """Move the files with a ``site``-marked test after the others (a stable sort)."""
    site_files = {item.nodeid.split("::")[0] for item in items
                  if item.get_closest_marker("site")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] in site_files)
